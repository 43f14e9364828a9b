/**
 * Pushgateway group semantics end to end: pushes on the real route, through Kafka and the
 * worker (STORAGE_TYPE=postgres,remote_write) into PostgreSQL's group state and a real
 * Prometheus. PUT (3 families), PUT with fewer families, DELETE, and a refused push.
 */
import { TEST_API_KEY, waitFor } from '../support/apps';
import { createTestDatabase, TestDatabase } from '../support/pipeline-harness';
import { Peer, startPrometheus } from '../support/peers';
import { deadLetters, Pipeline, startPipeline, waitForCaughtUp } from '../support/store-e2e';

type Vector = Array<{ metric: Record<string, string>; value: [number, string] }>;

const THREE = [
  '# TYPE jobs_done_total counter',
  'jobs_done_total 3',
  '# TYPE queue_depth gauge',
  'queue_depth{queue="q1"} 7',
  'queue_depth{queue="q2"} 8',
  '# TYPE last_run_seconds gauge',
  'last_run_seconds 42.5',
  '',
].join('\n');
const ONE = '# TYPE jobs_done_total counter\njobs_done_total 4\n';

describe('e2e: push groups in PostgreSQL and Prometheus', () => {
  let db: TestDatabase;
  let peer: Peer;
  let pipeline: Pipeline;

  beforeAll(async () => {
    [db, peer] = await Promise.all([createTestDatabase(), startPrometheus()]);
    pipeline = await startPipeline(
      { STORAGE_TYPE: 'postgres,remote_write', REMOTE_WRITE_URL: `${peer.url}/api/v1/write` },
      db.name,
    );
  });
  afterAll(async () => {
    await pipeline?.stop();
    await peer?.stop();
    await db?.drop();
  });

  async function push(method: 'PUT' | 'POST' | 'DELETE', path: string, body = ''): Promise<number> {
    const res = await fetch(`${pipeline.apiUrl}${path}`, {
      method,
      body: method === 'DELETE' ? undefined : body,
      headers: { authorization: `Bearer ${TEST_API_KEY}` },
    });
    await res.arrayBuffer();
    return res.status;
  }

  /** The group's state in PostgreSQL as `name labels value`, once it has `n` series. */
  async function pgState(job: string, n: number): Promise<string[]> {
    return waitFor(
      async () => {
        const { rows } = await db.pool
          .query<{ s: string }>(
            `SELECT name || labels::text || ' ' || value AS s FROM push_group_state WHERE job = $1 ORDER BY 1`,
            [job],
          )
          .catch(() => ({ rows: [] }));
        return rows.length === n ? rows.map((r) => r.s) : undefined;
      },
      60_000,
      250,
      `${n} series of ${job} in push_group_state`,
    ).catch(() => []);
  }

  async function lastReceivedAt(job: string): Promise<number> {
    const { rows } = await db.pool.query<{ t: Date }>('SELECT last_received_at AS t FROM push_groups WHERE job = $1', [
      job,
    ]);
    return rows[0].t.getTime();
  }

  async function prom(query: string, atMs: number): Promise<string[]> {
    const res = await fetch(`${peer.url}/api/v1/query?${new URLSearchParams({ query, time: String(atMs / 1000) })}`);
    const body = (await res.json()) as { data: { result: Vector } };
    return body.data.result
      .map((r) => {
        const { __name__: name, ...labels } = r.metric;
        return `${name ?? ''}{${Object.entries(labels)
          .sort()
          .map(([k, v]) => `${k}="${v}"`)
          .join(',')}} ${r.value[1]}`;
      })
      .sort();
  }

  it('PUT, PUT with fewer families, DELETE: both stores follow the group', async () => {
    expect(await push('PUT', '/metrics/job/nightly/shard/s1', THREE)).toBe(202);
    expect(await pgState('nightly', 6)).toHaveLength(6);
    await waitForCaughtUp(pipeline, 'remote_write');
    const t1 = await lastReceivedAt('nightly');
    expect(await prom('{job="nightly"}', t1 + 1)).toEqual([
      'jobs_done_total{job="nightly",shard="s1"} 3',
      'last_run_seconds{job="nightly",shard="s1"} 42.5',
      'push_failure_time_seconds{job="nightly",shard="s1"} 0',
      `push_time_seconds{job="nightly",shard="s1"} ${t1 / 1000}`,
      'queue_depth{job="nightly",queue="q1",shard="s1"} 7',
      'queue_depth{job="nightly",queue="q2",shard="s1"} 8',
    ]);

    expect(await push('PUT', '/metrics/job/nightly/shard/s1', ONE)).toBe(202);
    const fewer = await pgState('nightly', 3);
    await waitForCaughtUp(pipeline, 'remote_write');
    const t2 = await lastReceivedAt('nightly');
    expect(fewer).toEqual([
      'jobs_done_total{"job": "nightly", "shard": "s1"} 4',
      'push_failure_time_seconds{"job": "nightly", "shard": "s1"} 0',
      `push_time_seconds{"job": "nightly", "shard": "s1"} ${t2 / 1000}`,
    ]);
    expect(await prom('{job="nightly"}', t2 + 1)).toEqual([
      'jobs_done_total{job="nightly",shard="s1"} 4',
      'push_failure_time_seconds{job="nightly",shard="s1"} 0',
      `push_time_seconds{job="nightly",shard="s1"} ${t2 / 1000}`,
    ]);

    expect(await push('DELETE', '/metrics/job/nightly/shard/s1')).toBe(202);
    await waitFor(
      async () =>
        (await db.pool.query('SELECT 1 FROM push_groups WHERE job = $1 AND deleted', ['nightly'])).rowCount === 1,
      60_000,
      250,
      'tombstone',
    );
    expect(await pgState('nightly', 0)).toEqual([]);
    await waitForCaughtUp(pipeline, 'remote_write');
    const t3 = await lastReceivedAt('nightly');
    expect(await prom('{job="nightly"}', t3 - 1)).toHaveLength(3);
    expect(await prom('{job="nightly"}', t3 + 1)).toEqual([]);
  });

  it('a push refused for its timestamps sets push_failure_time_seconds in both stores', async () => {
    expect(await push('PUT', '/metrics/job/flaky', ONE)).toBe(202);
    expect(await pgState('flaky', 3)).toHaveLength(3);
    expect(await push('POST', '/metrics/job/flaky', 'jobs_done_total 5 1700000000000\n')).toBe(400);
    const failed = await waitFor(
      async () => {
        const { rows } = await db.pool.query<{ f: Date | null }>(
          'SELECT push_failure_time AS f FROM push_groups WHERE job = $1',
          ['flaky'],
        );
        return rows[0]?.f?.getTime();
      },
      60_000,
      250,
      'failure time',
    );
    expect(await pgState('flaky', 3)).toContain(`push_failure_time_seconds{"job": "flaky"} ${failed / 1000}`);
    await waitForCaughtUp(pipeline, 'remote_write');
    expect(await prom('push_failure_time_seconds{job="flaky"}', failed + 1)).toEqual([
      `push_failure_time_seconds{job="flaky"} ${failed / 1000}`,
    ]);
    expect(await prom('jobs_done_total{job="flaky"}', failed + 1)).toEqual(['jobs_done_total{job="flaky"} 4']);
    expect(await deadLetters(pipeline)).toBe(0);
  });
});
