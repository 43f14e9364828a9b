import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeadLetterSeal, openLetter } from '@app/pipeline';
import { RunningApp, randomName, startApp, TEST_DLQ_ENCRYPTION_KEY, waitFor } from '../support/apps';
import {
  createTestDatabase,
  deleteTopics,
  envelopeOf,
  generateEvents,
  GeneratedEvent,
  kafkaClient,
  metricSum,
  produce,
  readTopic,
  TestDatabase,
  waitForStored,
  workerEnv,
  workerPorts,
  WorkerPorts,
} from '../support/pipeline-harness';
import { runCli } from './cli-harness';

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
    const rules = ruleFile(
      'rules.yaml',
      [
        'rules:',
        '  analytics:',
        '    - name: drop-viewers',
        '      drop: { "user.orgRole": Viewer }',
        '    - map: { path: host.buildInfo.env, values: { production: prod } }',
      ].join('\n'),
    );
    worker = await startApp(
      'worker',
      workerEnv({ topic, database: db.name, ports }, { CONFIG_FILE: rules, KAFKA_TOPIC_PARTITIONS: '1' }),
      ports.readyUrl,
      60_000,
    );
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
    const poison = {
      key: 'poison',
      value: Buffer.from([0xde, 0xad, 0xbe, 0xef]),
      headers: { 'correlation-id': 'c-poison' },
    };
    await produce(kafka, topic, [...envelopes.slice(0, 30), poison, ...envelopes.slice(30)]);

    const [letter] = await readTopic(kafka, `${topic}-dlq`, 1, 60_000);
    // Undecodable, so not anonymizable: the raw key and bytes are only kept sealed with DLQ_ENCRYPTION_KEY.
    expect(letter.value).toBeNull();
    expect(letter.key).toMatch(/^[0-9a-f]{32}$/);
    expect(letter.headers).toMatchObject({
      'dlq-reason': 'invalid_json',
      'dlq-stage': 'decode',
      'dlq-source-topic': topic,
      'dlq-source-partition': '0',
      'dlq-source-offset': '30',
      'dlq-consumer-group': expect.stringMatching(/-postgres$/),
      'correlation-id': 'c-poison',
      'dlq-privacy': 'sealed',
    });
    expect(letter.headers['dlq-detail']).toBeUndefined();
    const opened = openLetter({ headers: letter.rawHeaders }, new DeadLetterSeal([TEST_DLQ_ENCRYPTION_KEY]))!;
    expect(opened.value?.equals(poison.value)).toBe(true);
    expect(opened.key?.toString()).toBe('poison');
    expect(opened.detail).toMatch(/^invalid JSON/);

    // Everything after the poison is written; the rule dropped exactly the viewer's event.
    await waitForStored(db.pool, 59, 60_000);
    const later = await db.pool.query('SELECT count(*)::int AS n FROM analytics_events WHERE event_id = ANY($1)', [
      envelopes.slice(31).map((e) => e.id),
    ]);
    expect(later.rows[0].n).toBe(
      envelopes.slice(31).filter((e) => e.kind === 'analytics' && e.id !== envelopeOf(viewer).id).length,
    );
    const envs = await db.pool.query('SELECT DISTINCT grafana_env FROM analytics_events');
    expect(envs.rows).toEqual([{ grafana_env: 'prod' }]);
    const metrics = await (await fetch(ports.metricsUrl)).text();
    expect(metricSum(metrics, 'usage_stats_worker_events_dropped_total', { reason: 'rule:drop-viewers' })).toBe(1);
    await waitFor(
      async () =>
        metricSum(await (await fetch(ports.metricsUrl)).text(), 'usage_stats_worker_events_dead_lettered_total', {
          reason: 'invalid_json',
        }) === 1,
      10_000,
    );
  });
});

/** The poison: panel events with a lone UTF-16 surrogate in `variables` (PostgreSQL's jsonb refuses them). */
function poisonBatch(n: number, seed: string): GeneratedEvent[] {
  return generateEvents(n * 3, seed)
    .events.filter((e) => e.kind === 'analytics')
    .slice(0, n)
    .map((e) => {
      e.payload.variables = [{ name: 'region', values: [`eu-\ud800-${e.clientId}`] }];
      return e;
    });
}

const oneNormal = (seed: string) => envelopeOf(generateEvents(1, seed).events[0]);
const isStored = async (db: TestDatabase, id: string) =>
  (await db.pool.query('SELECT 1 FROM usage_reports WHERE event_id = $1', [id])).rowCount === 1;

interface Waiting {
  partition: number;
  reason: string;
  message: string;
  attempts: number;
}
const waitingOf = async (readyUrl: string): Promise<Waiting[]> => {
  const body = (await (await fetch(readyUrl)).json()) as {
    processes: Array<{ stores: Array<{ waiting?: Waiting[] }> }>;
  };
  return body.processes.flatMap((p) => p.stores.flatMap((s) => s.waiting ?? []));
};

/** Messages no envelope decoder can read (a foreign producer on the topic): the guard's case. */
const garbage = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ key: `g${i}`, value: Buffer.from(`{"not json ${i}`) }));

async function workerFixture(prefix: string) {
  const kafka = kafkaClient();
  const topic = randomName(prefix);
  const group = randomName(`${prefix}-group`);
  const [db, ports] = await Promise.all([createTestDatabase(), workerPorts()]);
  const env = workerEnv({ topic, database: db.name, ports, group }, { KAFKA_TOPIC_PARTITIONS: '2' });
  const worker = await startApp('worker', env, ports.readyUrl, 60_000);
  return {
    kafka,
    topic,
    group: `${group}-postgres`,
    db,
    ports,
    env,
    metrics: async () => (await fetch(ports.metricsUrl)).text(),
    async stop() {
      await worker.stop();
      await db.drop();
      await deleteTopics(kafka, [topic, `${topic}-dlq`]);
    },
  };
}
type WorkerFixture = Awaited<ReturnType<typeof workerFixture>>;

describe('pipeline: a poison batch the store refuses (lone surrogates, already in Kafka)', () => {
  let w: WorkerFixture;
  beforeAll(async () => (w = await workerFixture('wk-surrogate')));
  afterAll(() => w?.stop());

  it("dead-letters its rows with the store's reason at once, even on a fresh worker; a later report lands within seconds", async () => {
    const poison = poisonBatch(20, 'burst').map((e) => envelopeOf(e));
    const normal = oneNormal('after-burst');
    const sentAt = Date.now();
    await produce(w.kafka, w.topic, poison, 500, 0);
    await produce(w.kafka, w.topic, [normal], 500, 0);
    await waitFor(() => isStored(w.db, normal.id), 10_000, 50, 'the report sent after the poison batch');
    const took = Date.now() - sentAt;
    console.log(`report after a 20-event poison batch stored ${took} ms after the batch was sent`);
    expect(took).toBeLessThan(10_000);

    const letters = await readTopic(w.kafka, `${w.topic}-dlq`, 20, 30_000);
    expect(new Set(letters.map((l) => l.headers['dlq-event-id']))).toEqual(new Set(poison.map((e) => e.id)));
    for (const l of letters) {
      expect(l.headers).toMatchObject({
        'dlq-reason': 'store_rejected',
        'dlq-stage': 'write',
        'dlq-source-partition': '0',
      });
      // The store's answer may quote the payload, so it travels sealed (docs/privacy.md).
      expect(l.headers['dlq-detail']).toBeUndefined();
      const opened = openLetter({ headers: l.rawHeaders }, new DeadLetterSeal([TEST_DLQ_ENCRYPTION_KEY]))!;
      expect(opened.detail).toMatch(/^refused by postgres: invalid input syntax for type json/);
    }
    const metrics = await w.metrics();
    expect(
      metricSum(metrics, 'usage_stats_worker_events_dead_lettered_total', { stage: 'write', reason: 'store_rejected' }),
    ).toBe(20);
    expect(metricSum(metrics, 'usage_stats_worker_batch_retries_total')).toBe(0);
  });
});

describe('pipeline: the mass dead-letter guard (a fresh worker meets mostly undecodable messages)', () => {
  let w: WorkerFixture;
  beforeAll(async () => (w = await workerFixture('wk-guard')));
  afterAll(() => w?.stop());

  it('holds the batch, says so in /ready, metrics and status, and lets it go on `dlq release`', async () => {
    await produce(w.kafka, w.topic, garbage(20), 500, 0);
    const [held] = await waitFor(
      async () => {
        const waiting = await waitingOf(w.ports.readyUrl);
        return waiting.length > 0 && waiting[0].reason === 'suspicious_batch' ? waiting : undefined;
      },
      30_000,
      200,
      'partition 0 held by the guard',
    );
    expect(held).toMatchObject({ partition: 0, reason: 'suspicious_batch' });
    expect(held.message).toContain(`usage-stats dlq release --group ${w.group} --partition 0`);
    expect(
      metricSum(await w.metrics(), 'usage_stats_worker_partition_waiting', {
        reason: 'suspicious_batch',
        partition: '0',
      }),
    ).toBe(1);
    const status = await runCli(['status'], w.env);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`${w.group} partition 0: 20 of 20 messages at offset 0 would be dead-lettered`);

    const release = await runCli(['dlq', 'release', '--group', w.group, '--partition', '0'], w.env);
    const releasedAt = Date.now();
    expect(release.code).toBe(0);
    expect(release.stdout).toContain(
      `released ${w.topic} partition 0 of ${w.group} (batch at offset 0: 20 of 20 to dead-letter)`,
    );
    await waitFor(
      async () => metricSum(await w.metrics(), 'usage_stats_worker_events_dead_lettered_total') === 20,
      10_000,
      50,
      'the held batch dead-lettered',
    );
    console.log(
      `held batch dead-lettered ${Date.now() - releasedAt} ms after the release command returned (retry max 2 s)`,
    );
    const letters = await readTopic(w.kafka, `${w.topic}-dlq`, 20, 30_000);
    expect(
      letters.every((l) => l.headers['dlq-reason'] === 'invalid_json' && l.headers['dlq-stage'] === 'decode'),
    ).toBe(true);

    const normal = oneNormal('after-release');
    const sentAt = Date.now();
    await produce(w.kafka, w.topic, [normal], 500, 0);
    await waitFor(() => isStored(w.db, normal.id), 10_000, 50, 'the report sent after the release');
    console.log(`report after the released batch stored ${Date.now() - sentAt} ms after it was sent`);
    await waitFor(async () => (await waitingOf(w.ports.readyUrl)).length === 0, 10_000, 200, 'no partition waiting');
    expect((await runCli(['dlq', 'release', '--group', w.group], w.env)).code).toBe(1);
  });
});

describe('pipeline: a held partition does not hold the others', () => {
  let w: WorkerFixture;
  beforeAll(async () => (w = await workerFixture('wk-hostage')));
  afterAll(() => w?.stop());

  it('stores an event of partition 1 within seconds while partition 0 is held; the proven consumer then lets the poison go', async () => {
    await produce(w.kafka, w.topic, garbage(20), 500, 0);
    await waitFor(
      async () => (await waitingOf(w.ports.readyUrl)).some((x) => x.reason === 'suspicious_batch'),
      30_000,
      200,
      'partition 0 held',
    );
    const normal = oneNormal('other-partition');
    const sentAt = Date.now();
    await produce(w.kafka, w.topic, [normal], 500, 1);
    await waitFor(() => isStored(w.db, normal.id), 10_000, 50, 'the event on partition 1');
    const took = Date.now() - sentAt;
    console.log(`event on partition 1 stored ${took} ms after it was sent, partition 0 held`);
    expect(took).toBeLessThan(10_000);
    const letters = await readTopic(w.kafka, `${w.topic}-dlq`, 20, 30_000);
    expect(letters.every((l) => l.headers['dlq-reason'] === 'invalid_json')).toBe(true);
  });
});

describe('worker start with an invalid rule file', () => {
  it('stops at once, naming the file, the line and the problem', async () => {
    const ports = await workerPorts();
    const bad = ruleFile(
      'bad.yaml',
      'rules:\n  analytics:\n    - remove: [options]\n    - drop: { type: { $like: start } }\n',
    );
    const worker = await startApp(
      'worker',
      workerEnv({ topic: randomName('wk-bad'), database: 'usage_stats', ports }, { CONFIG_FILE: bad }),
    );
    const code = await new Promise<number | null>((resolve) => worker.process.once('exit', (c) => resolve(c)));
    expect(code).toBe(1);
    expect(worker.output().trim()).toMatch(
      new RegExp(`^CONFIG_FILE=${bad}: line 4: rules\\.analytics\\.1\\.drop: invalid condition: .*\\$like`),
    );
  });
});
