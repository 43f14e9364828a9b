import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeadLetterSeal, openLetter } from '@app/pipeline';
import { RunningApp, randomName, startApp, TEST_DLQ_ENCRYPTION_KEY, waitFor } from '../support/apps';
import {
  createTestDatabase, deleteTopics, envelopeOf, generateEvents, kafkaClient, metricSum, produce, readTopic, TestDatabase,
  waitForStored, workerEnv, workerPorts, WorkerPorts,
} from '../support/pipeline-harness';

const dir = mkdtempSync(join(tmpdir(), 'wk-rules-'));
const ruleFile = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('pipeline: poison messages and rules', () => {
  const kafka = kafkaClient();
  const topic = randomName('wk-poison');
  let db: TestDatabase;
  let worker: RunningApp;
  let ports: WorkerPorts;

  beforeAll(async () => {
    [db, ports] = await Promise.all([createTestDatabase(), workerPorts()]);
    const rules = ruleFile('rules.yaml', [
      'rules:',
      '  analytics:',
      '    - name: drop-viewers',
      '      drop: { "user.orgRole": Viewer }',
      '    - map: { path: host.buildInfo.env, values: { production: prod } }',
    ].join('\n'));
    worker = await startApp('worker', workerEnv({ topic, database: db.name, ports }, { CONFIG_FILE: rules, KAFKA_TOPIC_PARTITIONS: '1' }), ports.readyUrl, 60_000);
  });
  afterAll(async () => {
    await worker?.stop();
    await db?.drop();
    await deleteTopics(kafka, [topic, `${topic}-dlq`]);
  });

  it('dead-letters a poison message with its reason and writes the events after it', async () => {
    const { events } = generateEvents(60);
    const viewer = events.find((e) => e.kind === 'analytics')!;
    (viewer.payload.user as Record<string, unknown>).orgRole = 'Viewer';
    const envelopes = events.map((e) => envelopeOf(e));
    const poison = { key: 'poison', value: Buffer.from([0xde, 0xad, 0xbe, 0xef]), headers: { 'correlation-id': 'c-poison' } };
    await produce(kafka, topic, [...envelopes.slice(0, 30), poison, ...envelopes.slice(30)]);

    const [letter] = await readTopic(kafka, `${topic}-dlq`, 1, 60_000);
    // Undecodable, so not anonymizable: the raw key and bytes are only kept sealed with DLQ_ENCRYPTION_KEY.
    expect(letter.value).toBeNull();
    expect(letter.key).toMatch(/^[0-9a-f]{32}$/);
    expect(letter.headers).toMatchObject({
      'dlq-reason': 'invalid_json', 'dlq-stage': 'decode', 'dlq-source-topic': topic, 'dlq-source-partition': '0', 'dlq-source-offset': '30',
      'dlq-consumer-group': expect.stringMatching(/-postgres$/), 'correlation-id': 'c-poison', 'dlq-privacy': 'sealed',
    });
    expect(letter.headers['dlq-detail']).toBeUndefined();
    const opened = openLetter({ headers: letter.rawHeaders }, new DeadLetterSeal([TEST_DLQ_ENCRYPTION_KEY]))!;
    expect(opened.value?.equals(poison.value)).toBe(true);
    expect(opened.key?.toString()).toBe('poison');
    expect(opened.detail).toMatch(/^invalid JSON/);

    // Everything after the poison is written; the rule dropped exactly the viewer's event.
    await waitForStored(db.pool, 59, 60_000);
    const later = await db.pool.query('SELECT count(*)::int AS n FROM analytics_events WHERE event_id = ANY($1)', [envelopes.slice(31).map((e) => e.id)]);
    expect(later.rows[0].n).toBe(envelopes.slice(31).filter((e) => e.kind === 'analytics' && e.id !== envelopeOf(viewer).id).length);
    const envs = await db.pool.query('SELECT DISTINCT grafana_env FROM analytics_events');
    expect(envs.rows).toEqual([{ grafana_env: 'prod' }]);
    const metrics = await (await fetch(ports.metricsUrl)).text();
    expect(metricSum(metrics, 'usage_stats_worker_events_dropped_total', { reason: 'rule:drop-viewers' })).toBe(1);
    await waitFor(async () => metricSum(await (await fetch(ports.metricsUrl)).text(), 'usage_stats_worker_events_dead_lettered_total', { reason: 'invalid_json' }) === 1, 10_000);
  });
});

describe('worker start with an invalid rule file', () => {
  it('stops at once, naming the file, the line and the problem', async () => {
    const ports = await workerPorts();
    const bad = ruleFile('bad.yaml', 'rules:\n  analytics:\n    - remove: [options]\n    - drop: { type: { $like: start } }\n');
    const worker = await startApp('worker', workerEnv({ topic: randomName('wk-bad'), database: 'usage_stats', ports }, { CONFIG_FILE: bad }));
    const code = await new Promise<number | null>((resolve) => worker.process.once('exit', (c) => resolve(c)));
    expect(code).toBe(1);
    expect(worker.output().trim()).toMatch(new RegExp(`^CONFIG_FILE=${bad}: line 4: rules\\.analytics\\.1\\.drop: invalid condition: .*\\$like`));
  });
});
