/**
 * Pushgateway group semantics carried into PostgreSQL: the current state of each group
 * (push_group_state) after PUT, PUT with fewer families, POST and DELETE, against the real
 * server, with push_time_seconds queryable and replays unable to overwrite a newer state.
 */
import { loadConfig } from '@app/config';
import { createLogger } from '@app/observability';
import { PostgresStore } from '@app/storage/postgres';
import { createTestDatabase, TestDatabase } from '../support/pipeline-harness';
import { FamilySpec, metricsEvent } from '../support/store-events';

const logger = createLogger({ level: 'error', format: 'json', name: 'postgres-push-groups-test' });
const T0 = Date.UTC(2026, 10, 29, 12, 0, 0);

const A: FamilySpec = { name: 'jobs_done_total', type: 'counter', samples: [{ value: 3 }] };
const B: FamilySpec = {
  name: 'queue_depth',
  type: 'gauge',
  samples: [
    { labels: { queue: 'q1' }, value: 7 },
    { labels: { queue: 'q2' }, value: 8 },
  ],
};
const C: FamilySpec = { name: 'last_run_seconds', type: 'gauge', samples: [{ value: 42.5 }] };

describe('PostgresStore push group state (real PostgreSQL)', () => {
  let db: TestDatabase;
  let store: PostgresStore;

  beforeAll(async () => {
    db = await createTestDatabase();
    const config = loadConfig({
      API_KEY: 'k'.repeat(32),
      ANONYMIZATION_KEY: 'a'.repeat(32),
      POSTGRES_HOST: '127.0.0.1',
      POSTGRES_USER: 'stats_user',
      POSTGRES_PASSWORD: 'secure_password',
      POSTGRES_SSL_MODE: 'disable',
      POSTGRES_MAX_CONNECTIONS: '4',
      POSTGRES_DB: db.name,
    }).postgres;
    store = new PostgresStore(config, logger);
    await store.connect();
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  /** The group's series as `name{labels} value`, sorted. */
  async function state(job: string): Promise<string[]> {
    const { rows } = await db.pool.query<{ s: string }>(
      `SELECT name || labels::text || ' ' || value AS s FROM push_group_state WHERE job = $1 ORDER BY 1`,
      [job],
    );
    return rows.map((r) => r.s);
  }

  it('PUT, PUT with fewer families, then DELETE', async () => {
    const grouping = { instance: 'host-1' };
    const put = metricsEvent('nightly', [A, B, C], { op: 'put', receivedAt: T0, grouping });
    expect(await store.writeBatch([put])).toEqual({ written: 1, duplicates: 0, rejected: [] });
    expect(await state('nightly')).toEqual([
      'jobs_done_total{"job": "nightly", "instance": "host-1"} 3',
      'last_run_seconds{"job": "nightly", "instance": "host-1"} 42.5',
      'push_failure_time_seconds{"job": "nightly", "instance": "host-1"} 0',
      'push_time_seconds{"job": "nightly", "instance": "host-1"} 1795953600',
      'queue_depth{"job": "nightly", "queue": "q1", "instance": "host-1"} 7',
      'queue_depth{"job": "nightly", "queue": "q2", "instance": "host-1"} 8',
    ]);

    await store.writeBatch([metricsEvent('nightly', [A], { op: 'put', receivedAt: T0 + 60_000, grouping })]);
    expect(await state('nightly')).toEqual([
      'jobs_done_total{"job": "nightly", "instance": "host-1"} 3',
      'push_failure_time_seconds{"job": "nightly", "instance": "host-1"} 0',
      'push_time_seconds{"job": "nightly", "instance": "host-1"} 1795953660',
    ]);

    await store.writeBatch([metricsEvent('nightly', [], { op: 'delete', receivedAt: T0 + 120_000, grouping })]);
    expect(await state('nightly')).toEqual([]);
    const { rows } = await db.pool.query('SELECT deleted, last_received_at FROM push_groups WHERE job = $1', [
      'nightly',
    ]);
    expect(rows).toEqual([{ deleted: true, last_received_at: new Date(T0 + 120_000) }]);

    // A replay of the first PUT (older than the tombstone) does not bring the group back.
    expect(await store.writeBatch([put], { mode: 'replace' })).toMatchObject({ written: 1 });
    expect(await state('nightly')).toEqual([]);
  });

  it('POST replaces the families of the pushed names only; several events of a group in one batch apply in receive order', async () => {
    const grouping = { instance: 'host-2' };
    const b2: FamilySpec = { name: 'queue_depth', type: 'gauge', samples: [{ labels: { queue: 'q3' }, value: 1 }] };
    const batch = [
      metricsEvent('hourly', [b2], { op: 'post', receivedAt: T0 + 1000, grouping }),
      metricsEvent('hourly', [A, B], { op: 'put', receivedAt: T0, grouping }),
    ];
    expect(await store.writeBatch(batch)).toEqual({ written: 2, duplicates: 0, rejected: [] });
    expect(await state('hourly')).toEqual([
      'jobs_done_total{"job": "hourly", "instance": "host-2"} 3',
      'push_failure_time_seconds{"job": "hourly", "instance": "host-2"} 0',
      'push_time_seconds{"job": "hourly", "instance": "host-2"} 1795953601',
      'queue_depth{"job": "hourly", "queue": "q3", "instance": "host-2"} 1',
    ]);
    const pushed = await db.pool.query<{ family: string; pushed_at: Date }>(
      `SELECT family, pushed_at FROM push_group_state WHERE job = 'hourly' AND family IN ('jobs_done_total', 'queue_depth') ORDER BY 1`,
    );
    expect(pushed.rows).toEqual([
      { family: 'jobs_done_total', pushed_at: new Date(T0) },
      { family: 'queue_depth', pushed_at: new Date(T0 + 1000) },
    ]);
  });

  it('a refused push sets push_failure_time_seconds and keeps the samples; NaN and infinities are kept', async () => {
    const grouping = { instance: 'host-3' };
    const odd: FamilySpec = {
      name: 'odd',
      type: 'gauge',
      samples: [
        { labels: { k: 'nan' }, value: 'NaN' },
        { labels: { k: 'inf' }, value: '+Inf' },
      ],
    };
    await store.writeBatch([
      metricsEvent('flaky', [odd], { op: 'put', receivedAt: T0, grouping }),
      metricsEvent('flaky', [], { op: 'fail', receivedAt: T0 + 5000, grouping }),
    ]);
    expect(await state('flaky')).toEqual([
      'odd{"k": "inf", "job": "flaky", "instance": "host-3"} Infinity',
      'odd{"k": "nan", "job": "flaky", "instance": "host-3"} NaN',
      'push_failure_time_seconds{"job": "flaky", "instance": "host-3"} 1795953605',
      'push_time_seconds{"job": "flaky", "instance": "host-3"} 1795953600',
    ]);
  });

  it('keeps label values PostgreSQL cannot hold (NUL) and empty grouping values, push after push', async () => {
    const odd = (value: number): FamilySpec => ({
      name: 'odd_labels',
      type: 'gauge',
      samples: [{ labels: { path: 'a\u0000b' }, value }],
    });
    for (const [i, op] of (['put', 'post', 'put'] as const).entries()) {
      expect(
        await store.writeBatch([
          metricsEvent('odd', [odd(i + 1)], { op, receivedAt: T0 + i * 1000, grouping: { shard: '' } }),
        ]),
      ).toEqual({ written: 1, duplicates: 0, rejected: [] });
    }
    expect(await state('odd')).toEqual([
      'odd_labels{"job": "odd", "path": "ab", "shard": ""} 3',
      'push_failure_time_seconds{"job": "odd", "shard": ""} 0',
      'push_time_seconds{"job": "odd", "shard": ""} 1795953602',
    ]);
  });

  it('push_time_seconds answers "which groups have not pushed for a day"', async () => {
    await store.writeBatch([
      metricsEvent('stale', [A], { op: 'put', receivedAt: T0 - 2 * 86_400_000, grouping: { instance: 'old' } }),
    ]);
    const { rows } = await db.pool.query(
      `SELECT job, grouping_key FROM push_group_state
      WHERE name = 'push_time_seconds' AND value < $1 ORDER BY job`,
      [(T0 - 86_400_000) / 1000],
    );
    expect(rows).toEqual([{ job: 'stale', grouping_key: { instance: 'old' } }]);
  });
});
