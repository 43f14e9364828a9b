import { RunningApp, getFreePort, randomName, startApp, waitFor } from '../support/apps';
import {
  createTestDatabase,
  deleteTopics,
  dumpRows,
  GeneratedEvent,
  generateEvents,
  kafkaClient,
  metricSum,
  Pii,
  readyBody,
  storedCounts,
  TestDatabase,
  waitForStored,
  workerEnv,
  workerPorts,
} from '../support/pipeline-harness';
import { TEST_API_KEY } from '../support/apps';

const DISTINCT = 10_000;
const RESENT = 1_000;

/**
 * The acceptance run: 10,000 distinct events of all three kinds plus 1,000 resent duplicates
 * through the ingest API, into a pool of two worker processes with anonymization on.
 */
describe('pipeline: ingest API -> Kafka -> worker pool (WORKERS=2) -> PostgreSQL', () => {
  const kafka = kafkaClient();
  const topic = randomName('wk-delivery');
  let db: TestDatabase;
  let api: RunningApp;
  let worker: RunningApp;
  let events: GeneratedEvent[];
  let pii: Pii;
  let apiUrl: string;
  let readyUrl: string;
  let metricsUrl: string;

  const post = async (items: GeneratedEvent[]) => {
    const body = JSON.stringify(items.map((e) => ({ kind: e.kind, id: e.clientId, payload: e.payload })));
    const res = await fetch(`${apiUrl}/api/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body,
    });
    const answer = (await res.json()) as { accepted: number };
    if (res.status !== 200 || answer.accepted !== items.length)
      throw new Error(`ingest answered ${res.status}: ${JSON.stringify(answer).slice(0, 500)}`);
  };
  const sendAll = async (items: GeneratedEvent[], chunk = 500, parallel = 3) => {
    const chunks: GeneratedEvent[][] = [];
    for (let i = 0; i < items.length; i += chunk) chunks.push(items.slice(i, i + chunk));
    for (let i = 0; i < chunks.length; i += parallel) await Promise.all(chunks.slice(i, i + parallel).map(post));
  };

  beforeAll(async () => {
    ({ events, pii } = generateEvents(DISTINCT));
    db = await createTestDatabase();
    const ports = await workerPorts();
    const apiPort = await getFreePort();
    apiUrl = `http://127.0.0.1:${apiPort}`;
    readyUrl = ports.readyUrl;
    metricsUrl = ports.metricsUrl;
    const env = workerEnv(
      { topic, database: db.name, ports },
      { WORKERS: '2', KAFKA_TOPIC_PARTITIONS: '6', ANONYMIZATION_ENABLED: 'true' },
    );
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
    await sendAll(events);
    // Resent duplicates: the same items again (a client retrying), mixed kinds.
    await sendAll(events.filter((_, i) => i % 10 === 3).slice(0, RESENT));
    await waitForStored(db.pool, DISTINCT, 180_000);
  });

  afterAll(async () => {
    await api?.stop();
    await worker?.stop();
    await db?.drop();
    await deleteTopics(kafka, [topic, `${topic}-dlq`]);
  });

  it('stores exactly 10,000 logical events: one row per report and panel event, one per sample', async () => {
    // Give any straggler duplicate time to (wrongly) land before counting.
    await waitFor(
      async () =>
        metricSum(await (await fetch(metricsUrl)).text(), 'usage_stats_worker_events_consumed_total') >=
        DISTINCT + RESENT,
      60_000,
    );
    const counts = await storedCounts(db.pool);
    const expected = (kind: GeneratedEvent['kind']) =>
      events.filter((e) => e.kind === kind).reduce((n, e) => n + e.rows, 0);
    expect(counts).toEqual({
      logicalEvents: DISTINCT,
      usageReports: expected('usage_report'),
      analyticsEvents: expected('analytics'),
      metricSamples: expected('metrics'),
    });
  });

  it('counts the resent duplicates as deduplicated, and dead-letters nothing', async () => {
    const text = await (await fetch(metricsUrl)).text();
    expect(metricSum(text, 'usage_stats_worker_events_deduplicated_total')).toBeGreaterThanOrEqual(RESENT);
    expect(metricSum(text, 'usage_stats_worker_events_dead_lettered_total')).toBe(0);
    expect(metricSum(text, 'usage_stats_worker_events_written_total')).toBe(DISTINCT);
  });

  it('had both worker processes receive partitions and write', async () => {
    const { status, body } = await readyBody(readyUrl);
    expect(status).toBe(200);
    expect(body.processes).toHaveLength(2);
    for (const p of body.processes) {
      expect(p.stores[0].partitions.length).toBeGreaterThan(0);
      expect(p.stores[0].written).toBeGreaterThan(0);
    }
    const all = body.processes.flatMap((p) => p.stores[0].partitions).sort((a, b) => a - b);
    expect(all).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('stored no login, name, e-mail, raw IP or raw usageStatsId from the input', async () => {
    const rows = await dumpRows(db.pool);
    expect(rows.length).toBeGreaterThan(DISTINCT);
    const text = rows.join('\n');
    // Every login, name, e-mail and hostname generated contains the run's seed.
    const seed = pii.logins[0].replace(/^login/, '').split('x')[0];
    expect(text.includes(seed)).toBe(false);
    expect(text.match(/\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/g) ?? []).toEqual([]);
    expect(text.match(/[\w.+-]+@[\w-]+\.[\w.-]+/g) ?? []).toEqual([]);
    const uuids = new Set(text.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g) ?? []);
    expect(pii.usageStatsIds.filter((id) => uuids.has(id))).toEqual([]);
    expect(pii.ips.length + pii.emails.length + pii.logins.length).toBeGreaterThan(DISTINCT);
  });
});
