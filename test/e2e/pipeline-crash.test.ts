import { readFileSync } from 'node:fs';
import { Client } from 'pg';
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
  TestDatabase,
  waitForStored,
  workerEnv,
  workerPorts,
  WorkerPorts,
} from '../support/pipeline-harness';
import { sharedStack } from '../support/services';

const ROUNDS = 3;
const PER_ROUND = 600;

/**
 * kill -9 of a consumer process while its batch is provably in flight: the test holds a lock
 * on analytics_events so the batch's INSERT waits inside PostgreSQL, finds that backend's
 * worker process by its application_name, and kills it there. Then: nothing lost, nothing
 * duplicated, and the primary restarted the process.
 */
describe('pipeline: consumer processes killed mid-batch', () => {
  const kafka = kafkaClient();
  const topic = randomName('wk-crash');
  let db: TestDatabase;
  let worker: RunningApp;
  let ports: WorkerPorts;
  let locker: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    ports = await workerPorts();
    worker = await startApp(
      'worker',
      workerEnv({ topic, database: db.name, ports }, { WORKERS: '2', KAFKA_TOPIC_PARTITIONS: '4' }),
      ports.readyUrl,
      60_000,
    );
    locker = new Client({ ...sharedStack.postgres, database: db.name });
    await locker.connect();
  });
  afterAll(async () => {
    await locker?.end();
    await worker?.stop();
    await db?.drop();
    await deleteTopics(kafka, [topic, `${topic}-dlq`]);
  });

  async function blockedWorkerPid(): Promise<number> {
    return waitFor(
      async () => {
        const { rows } = await db.pool.query(`SELECT application_name FROM pg_stat_activity
        WHERE datname = current_database() AND application_name LIKE 'usage-stats-%' AND wait_event_type = 'Lock'`);
        return rows.length > 0 ? Number(String(rows[0].application_name).split('-').pop()) : undefined;
      },
      30_000,
      100,
      'a worker batch waiting inside PostgreSQL',
    );
  }

  it('loses and duplicates nothing when consumers die mid-batch, several times', async () => {
    const { events } = generateEvents(ROUNDS * PER_ROUND + 300);
    const envelopes = events.map((e) => envelopeOf(e));
    const killed: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      await waitFor(async () => (await readyBody(ports.readyUrl)).status === 200, 60_000, 200, 'pool ready');
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE analytics_events IN SHARE ROW EXCLUSIVE MODE');
      await produce(kafka, topic, envelopes.slice(round * PER_ROUND, (round + 1) * PER_ROUND));
      const pid = await blockedWorkerPid();
      const { body } = await readyBody(ports.readyUrl);
      expect(body.processes.map((p) => p.pid)).toContain(pid);
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
      await locker.query('ROLLBACK');
    }
    // And a tail after the last restart.
    await produce(kafka, topic, envelopes.slice(ROUNDS * PER_ROUND));

    await waitForStored(db.pool, events.length, 120_000);
    const { rows } = await db.pool.query(`SELECT event_id, count(*)::int AS n FROM (
      SELECT event_id FROM usage_reports UNION ALL SELECT event_id FROM analytics_events
      UNION ALL SELECT DISTINCT event_id FROM metric_samples) t GROUP BY event_id`);
    expect(rows.filter((r) => r.n !== 1)).toEqual([]);
    expect(new Set(rows.map((r) => r.event_id))).toEqual(new Set(envelopes.map((e) => e.id)));
    const samples = await db.pool.query('SELECT count(*)::int AS n FROM metric_samples');
    expect(samples.rows[0].n).toBe(events.filter((e) => e.kind === 'metrics').length * 2);

    const { body } = await readyBody(ports.readyUrl);
    expect(body.processes.map((p) => p.pid).filter((p) => killed.includes(p))).toEqual([]);
    const metrics = await (await fetch(ports.metricsUrl)).text();
    expect(metricSum(metrics, 'usage_stats_worker_process_restarts_total')).toBe(ROUNDS);
    expect(metricSum(metrics, 'usage_stats_worker_events_dead_lettered_total')).toBe(0);
    // Restarted consumers run with the pool's V8 heap settings too (the defaults of
    // WORKER_MAX_HEAP_MB and WORKER_HEAP_GROWING_PERCENT), and start with them.
    expect(body.processes).toHaveLength(2);
    for (const { pid } of body.processes) {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      expect(argv).toEqual(expect.arrayContaining(['--max-old-space-size=224', '--heap-growing-percent=100']));
    }
  });
});
