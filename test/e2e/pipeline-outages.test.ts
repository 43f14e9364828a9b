import { Pool } from 'pg';
import { RunningApp, randomName, startApp, waitFor } from '../support/apps';
import {
  createTestDatabase,
  deleteTopics,
  envelopeOf,
  generateEvents,
  kafkaClient,
  metricSum,
  produce,
  readyBody,
  storedCounts,
  TestDatabase,
  waitForStored,
  workerEnv,
  workerPorts,
  WorkerPorts,
} from '../support/pipeline-harness';
import { PostgresService, RedisService, startPostgres, startRedis } from '../support/services';

const metricsOf = async (ports: WorkerPorts) => (await fetch(ports.metricsUrl)).text();

async function dlqSize(topic: string): Promise<number> {
  const admin = kafkaClient().admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(`${topic}-dlq`);
    return offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

describe('pipeline: Redis stopped during a run', () => {
  const kafka = kafkaClient();
  const topic = randomName('wk-redis');
  let redis: RedisService;
  let db: TestDatabase;
  let worker: RunningApp;
  let ports: WorkerPorts;

  beforeAll(async () => {
    [redis, db, ports] = await Promise.all([startRedis(), createTestDatabase(), workerPorts()]);
    worker = await startApp(
      'worker',
      workerEnv({ topic, database: db.name, ports }, { REDIS_PORT: String(redis.port), KAFKA_TOPIC_PARTITIONS: '3' }),
      ports.readyUrl,
      60_000,
    );
  });
  afterAll(async () => {
    await worker?.stop();
    await redis?.stop();
    await db?.drop();
    await deleteTopics(kafka, [topic, `${topic}-dlq`]);
  });

  it('keeps processing exactly once without Redis, and uses it again once back', async () => {
    const { events } = generateEvents(2400);
    const envelopes = events.map((e) => envelopeOf(e));
    await produce(kafka, topic, envelopes.slice(0, 800));
    await waitForStored(db.pool, 800, 60_000);

    await redis.stop();
    await waitFor(async () => (await readyBody(ports.readyUrl)).status === 503, 20_000, 200, 'not ready without Redis');
    // New events plus redelivered ones the dedupe window would have caught.
    await produce(kafka, topic, [...envelopes.slice(800, 1600), ...envelopes.slice(0, 300)]);
    await waitFor(
      async () => metricSum(await metricsOf(ports), 'usage_stats_worker_events_consumed_total') >= 1900,
      60_000,
    );
    await waitForStored(db.pool, 1600, 60_000);
    expect(metricSum(await metricsOf(ports), 'usage_stats_worker_dedupe_unavailable_batches_total')).toBeGreaterThan(0);

    await redis.restart();
    await waitFor(async () => (await readyBody(ports.readyUrl)).status === 200, 30_000, 200, 'ready again with Redis');
    await produce(kafka, topic, envelopes.slice(1600));
    await waitForStored(db.pool, 2400, 60_000);
    // Marked in Redis again: resent events are now dropped before the store.
    await produce(kafka, topic, envelopes.slice(1600, 1700));
    await waitFor(
      async () => metricSum(await metricsOf(ports), 'usage_stats_worker_events_consumed_total') >= 2800,
      60_000,
    );
    const counts = await storedCounts(db.pool);
    expect(counts.logicalEvents).toBe(2400);
    expect(counts.usageReports + counts.analyticsEvents + counts.metricSamples / 2).toBe(2400);
    expect(metricSum(await metricsOf(ports), 'usage_stats_worker_events_deduplicated_total', { layer: 'index' })).toBe(
      100,
    );
    expect(await dlqSize(topic)).toBe(0);
  });
});

describe('pipeline: PostgreSQL stopped for 30 s during a run', () => {
  const kafka = kafkaClient();
  const topic = randomName('wk-pgdown');
  let postgres: PostgresService;
  let pool: Pool;
  let worker: RunningApp;
  let ports: WorkerPorts;

  beforeAll(async () => {
    [postgres, ports] = await Promise.all([startPostgres(), workerPorts()]);
    pool = new Pool({
      host: postgres.host,
      port: postgres.port,
      user: postgres.user,
      password: postgres.password,
      database: postgres.database,
      max: 2,
    });
    pool.on('error', () => undefined);
    worker = await startApp(
      'worker',
      workerEnv(
        { topic, database: postgres.database, ports },
        {
          POSTGRES_PORT: String(postgres.port),
          POSTGRES_CONNECT_TIMEOUT_MS: '1000',
          KAFKA_TOPIC_PARTITIONS: '3',
        },
      ),
      ports.readyUrl,
      60_000,
    );
  });
  afterAll(async () => {
    await worker?.stop();
    await pool?.end();
    await postgres?.stop();
    await deleteTopics(kafka, [topic, `${topic}-dlq`]);
  });

  it('waits, retries with backoff, catches up, and dead-letters nothing', async () => {
    const { events } = generateEvents(1500);
    const envelopes = events.map((e) => envelopeOf(e));
    await produce(kafka, topic, envelopes.slice(0, 500));
    await waitForStored(pool, 500, 60_000);

    await postgres.stop();
    const stoppedAt = Date.now();
    await produce(kafka, topic, envelopes.slice(500));
    await waitFor(
      async () => (await readyBody(ports.readyUrl)).status === 503,
      20_000,
      200,
      'not ready without PostgreSQL',
    );
    await waitFor(
      async () => metricSum(await metricsOf(ports), 'usage_stats_worker_batch_retries_total') >= 3,
      30_000,
      500,
      'retries',
    );
    // The outage lasts 30 s on purpose: long enough for several capped backoff rounds.
    // The readiness body and a metric say which partitions wait and why.
    const waiting = await waitFor(
      async () => {
        const body = (await readyBody(ports.readyUrl)).body as unknown as {
          processes: Array<{ stores: Array<{ waiting: Array<{ reason: string; message: string }> }> }>;
        };
        const w = body.processes.flatMap((p) => p.stores.flatMap((st) => st.waiting));
        return w.length > 0 ? w : undefined;
      },
      20_000,
      200,
      'waiting partitions in /ready',
    );
    expect(
      waiting.every((w) => w.reason === 'store_unavailable' && w.message.startsWith('postgres write failed')),
    ).toBe(true);
    expect(
      metricSum(await metricsOf(ports), 'usage_stats_worker_partition_waiting', { reason: 'store_unavailable' }),
    ).toBeGreaterThanOrEqual(1);
    await waitFor(() => Date.now() - stoppedAt >= 30_000, 40_000, 500, '30 s of outage');
    expect(metricSum(await metricsOf(ports), 'usage_stats_worker_events_dead_lettered_total')).toBe(0);
    await postgres.restart();

    const counts = await waitForStored(pool, 1500, 90_000);
    expect(counts.logicalEvents).toBe(1500);
    expect(counts.usageReports + counts.analyticsEvents + counts.metricSamples / 2).toBe(1500);
    await waitFor(async () => (await readyBody(ports.readyUrl)).status === 200, 30_000, 200, 'ready again');
    expect(metricSum(await metricsOf(ports), 'usage_stats_worker_events_dead_lettered_total')).toBe(0);
    await waitFor(
      async () => metricSum(await metricsOf(ports), 'usage_stats_worker_partition_waiting') === 0,
      10_000,
      200,
      'no partition waiting',
    );
    expect(await dlqSize(topic)).toBe(0);
  });
});
