import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunningApp, TEST_API_KEY, getFreePort, randomName, startApp } from '../support/apps';
import {
  TestDatabase,
  createTestDatabase,
  deleteTopics,
  kafkaClient,
  waitForStored,
  workerEnv,
  workerPorts,
} from '../support/pipeline-harness';

// Two tenants (API keys) that use the same Idempotency-Key both get their event stored; one
// tenant's retry is still deduplicated. Through the built API, Kafka and a worker into PostgreSQL.
const OTHER_KEY = 'other-tenant-key-0123456789abcdef';
const panel = JSON.parse(
  readFileSync(join(__dirname, '../fixtures/samples/analytics-panel-start.json'), 'utf8'),
) as Record<string, unknown>;

describe('tenant-scoped event ids: ingest API -> Kafka -> worker -> PostgreSQL', () => {
  const kafka = kafkaClient();
  const topic = randomName('wk-tenants');
  let db: TestDatabase;
  let api: RunningApp;
  let worker: RunningApp;
  let apiUrl: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    const ports = await workerPorts();
    const apiPort = await getFreePort();
    apiUrl = `http://127.0.0.1:${apiPort}`;
    const env = workerEnv({ topic, database: db.name, ports }, { API_KEY: `${TEST_API_KEY},${OTHER_KEY}` });
    worker = await startApp('worker', env, ports.readyUrl, 60_000);
    api = await startApp(
      'ingest-api',
      {
        ...env,
        PORT: String(apiPort),
        HEALTH_CHECK_PORT: String(await getFreePort()),
        METRICS_PORT: String(await getFreePort()),
        RATE_LIMIT_RPS: '0',
      },
      `${apiUrl}/ready`,
      60_000,
    );
  });

  afterAll(async () => {
    await api?.stop();
    await worker?.stop();
    await db?.drop();
    await deleteTopics(kafka, [topic, `${topic}-dlq`]);
  });

  const post = async (key: string, body: Record<string, unknown>, idempotencyKey?: string) => {
    const headers: Record<string, string> = {
      authorization: `Bearer ${key}`,
      'content-type': 'text/plain',
      ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
    };
    const res = await fetch(`${apiUrl}/write`, { method: 'POST', body: JSON.stringify(body), headers });
    expect(res.status).toBe(201);
    return res.headers.get('x-event-id')!;
  };

  it("stores both tenants' events with the same Idempotency-Key, and one copy of a tenant's retry", async () => {
    const a = await post(TEST_API_KEY, panel, 'order-1');
    expect(await post(TEST_API_KEY, panel, 'order-1')).toBe(a);
    const b = await post(OTHER_KEY, panel, 'order-1');
    expect(b).not.toBe(a);
    // Same instance key, so the same partition: once this one is stored, the others were processed.
    const marker = await post(TEST_API_KEY, { ...panel, type: 'end' });
    await waitForStored(db.pool, 3, 120_000);
    const { rows } = await db.pool.query('SELECT event_id FROM analytics_events ORDER BY event_id');
    expect(rows.map((r: { event_id: string }) => r.event_id).sort()).toEqual([a, b, marker].sort());
  });
});
