import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Pool } from 'pg';
import { loadConfig, PostgresConfig } from '@app/config';
import { createLogger } from '@app/observability';
import { ProcessedEvent, RetriableStoreError } from '@app/storage';
import { createPostgresPool, migrate, MIGRATIONS, PostgresStore } from '@app/storage/postgres';
import { TABLES } from '@app/storage/postgres/postgres-rows';
import { analyticsEvent, metricsEvent, usageEvent } from '../support/store-events';
import { createTestDatabase, TestDatabase } from '../support/pipeline-harness';
import { getFreePort } from '../support/apps';
import { sharedStack } from '../support/services';
import { ReplaceCountingStore } from '../../apps/cli/src/replay/replace-counting.store';

const logger = createLogger({ level: 'error', format: 'json', name: 'postgres-store-test' });
const pgConfig = (overrides: Record<string, string>): PostgresConfig =>
  loadConfig({
    API_KEY: 'k'.repeat(32),
    ANONYMIZATION_KEY: 'a'.repeat(32),
    POSTGRES_HOST: '127.0.0.1',
    POSTGRES_USER: 'stats_user',
    POSTGRES_PASSWORD: 'secure_password',
    POSTGRES_SSL_MODE: 'disable',
    POSTGRES_MAX_CONNECTIONS: '4',
    ...overrides,
  }).postgres;

describe('PostgresStore (real PostgreSQL)', () => {
  let db: TestDatabase;
  let store: PostgresStore;

  beforeAll(async () => {
    db = await createTestDatabase();
    store = new PostgresStore(pgConfig({ POSTGRES_DB: db.name }), logger);
    await store.connect();
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  it('applies migrations once, safely in parallel, and records them', async () => {
    const pools = [1, 2, 3].map(() => createPostgresPool(pgConfig({ POSTGRES_DB: db.name })));
    const applied = await Promise.all(pools.map((p) => migrate(p)));
    await Promise.all(pools.map((p) => p.end()));
    expect(applied).toEqual([[], [], []]);
    const { rows } = await db.pool.query('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it('migrates a fresh database exactly once under concurrency', async () => {
    const fresh = await createTestDatabase();
    try {
      const pools = [1, 2, 3].map(() => createPostgresPool(pgConfig({ POSTGRES_DB: fresh.name })));
      const applied = await Promise.all(pools.map((p) => migrate(p)));
      await Promise.all(pools.map((p) => p.end()));
      expect(applied.flat()).toEqual(MIGRATIONS.map((m) => m.version));
    } finally {
      await fresh.drop();
    }
  });

  it("stores a report's raw version beside its normalised one, and backfills rows stored before the column", async () => {
    const fresh = await createTestDatabase();
    try {
      const pool = createPostgresPool(pgConfig({ POSTGRES_DB: fresh.name }));
      await migrate(
        pool,
        MIGRATIONS.filter((m) => m.version === 1),
      );
      await pool.query(
        `INSERT INTO usage_reports (event_id, received_at, version) VALUES ('old-1', now(), 'v9_5_2-beta'), ('old-2', now(), 'nightly')`,
      );
      expect(await migrate(pool)).toEqual(MIGRATIONS.map((m) => m.version).filter((v) => v !== 1));
      const old = await pool.query('SELECT event_id, version_normalized FROM usage_reports ORDER BY event_id');
      expect(old.rows).toEqual([
        { event_id: 'old-1', version_normalized: '9_5_2' },
        { event_id: 'old-2', version_normalized: 'unknown' },
      ]);
      await pool.end();
    } finally {
      await fresh.drop();
    }
    const odd = usageEvent({ patch: { version: '11.3.0+security-01', usageStatsId: '' } });
    const plain = usageEvent({ patch: { version: 'grafana-dev' } });
    await store.writeBatch([odd, plain]);
    const { rows } = await db.pool.query(
      'SELECT event_id, version, version_normalized, instance_id FROM usage_reports WHERE event_id = ANY($1) ORDER BY version',
      [[odd.id, plain.id]],
    );
    expect(rows).toEqual([
      { event_id: odd.id, version: '11.3.0+security-01', version_normalized: '11_3_0', instance_id: '' },
      { event_id: plain.id, version: 'grafana-dev', version_normalized: 'unknown', instance_id: expect.any(String) },
    ]);
  });

  it('writes all three kinds, one row per report, panel event and sample, idempotently', async () => {
    const events = [
      usageEvent(),
      analyticsEvent({ uuid: 'sess-1', type: 'start', time: 1_700_000_000 }),
      metricsEvent('node', [
        {
          name: 'up',
          type: 'gauge',
          samples: [
            { labels: { a: '1' }, value: 1 },
            { labels: { a: '2' }, value: '+Inf' },
          ],
        },
      ]),
    ];
    expect(await store.writeBatch(events)).toEqual({ written: 3, duplicates: 0, rejected: [] });
    expect(await store.writeBatch([...events, events[0]])).toEqual({ written: 0, duplicates: 4, rejected: [] });
    const { rows } = await db.pool.query(
      `SELECT
      (SELECT count(*) FROM usage_reports WHERE event_id = $1)::int AS u,
      (SELECT count(*) FROM analytics_events WHERE event_id = $2)::int AS a,
      (SELECT count(*) FROM metric_samples WHERE event_id = $3)::int AS m,
      (SELECT max(value) FROM metric_samples WHERE event_id = $3) AS inf,
      (SELECT session_uuid FROM analytics_events WHERE event_id = $2) AS s,
      (SELECT metrics->>'stats.dashboards.count' FROM usage_reports WHERE event_id = $1) AS d`,
      [events[0].id, events[1].id, events[2].id],
    );
    expect(rows[0]).toEqual({ u: 1, a: 1, m: 2, inf: Infinity, s: 'sess-1', d: '7' });
  });

  it('takes the plain COPY for new events and merges a batch that holds a stored or repeated key', async () => {
    const fresh = [usageEvent(), usageEvent(), usageEvent()];
    const fallbacks = store.mergeFallbacks;
    expect(await store.writeBatch(fresh)).toEqual({ written: 3, duplicates: 0, rejected: [] });
    expect(store.mergeFallbacks).toBe(fallbacks);

    // A re-delivery whose dedupe mark had expired, with changed content under its stored id.
    const redelivered: ProcessedEvent = { ...fresh[1], payload: { ...fresh[1].payload, metrics: { changed: 1 } } };
    const next = [usageEvent(), redelivered, usageEvent()];
    expect(await store.writeBatch(next)).toEqual({ written: 2, duplicates: 1, rejected: [] });
    expect(store.mergeFallbacks).toBe(fallbacks + 1);

    const twice = usageEvent();
    expect((await store.writeBatch([twice, twice])).rejected).toEqual([]);
    expect(store.mergeFallbacks).toBe(fallbacks + 2);

    const { rows } = await db.pool.query(
      `SELECT event_id, metrics ? 'changed' AS changed FROM usage_reports WHERE event_id = ANY($1)`,
      [[...fresh, ...next, twice].map((e) => e.id)],
    );
    expect(rows).toHaveLength(6);
    expect(rows.filter((r) => r.changed)).toEqual([]);
  });

  it('writes a batch of one kind as its COPY alone, and a batch of several kinds in one transaction', async () => {
    const query = jest.spyOn(Client.prototype, 'query');
    // Each statement's first word; a new connection's staging tables (CREATE) aside.
    const statements = () =>
      query.mock.calls
        .map(([q]) => (typeof q === 'string' ? q : (q as { text: string }).text).split(' ')[0])
        .filter((word) => word !== 'CREATE');
    try {
      expect(await store.writeBatch([usageEvent(), usageEvent()])).toEqual({ written: 2, duplicates: 0, rejected: [] });
      expect(statements()).toEqual(['COPY']);
      query.mockClear();
      const mixed = [usageEvent(), analyticsEvent({ uuid: 'sess-tx', type: 'start', time: 1_700_000_000 })];
      expect(await store.writeBatch(mixed)).toEqual({ written: 2, duplicates: 0, rejected: [] });
      expect(statements()).toEqual(['BEGIN', 'COPY', 'COPY', 'COMMIT']);
      query.mockClear();
      const push = metricsEvent('tx-job', [{ name: 'up', type: 'gauge', samples: [{ labels: {}, value: 1 }] }]);
      expect(await store.writeBatch([push])).toEqual({ written: 1, duplicates: 0, rejected: [] });
      expect(statements()[0]).toBe('BEGIN');
      expect(statements().at(-1)).toBe('COMMIT');
    } finally {
      query.mockRestore();
    }
  });

  it('two concurrent plain COPYs sharing keys in opposite orders both land, without a deadlock', async () => {
    const other = new PostgresStore(pgConfig({ POSTGRES_DB: db.name }), logger);
    await other.connect();
    try {
      const shared = Array.from({ length: 6000 }, () => usageEvent());
      const own = [usageEvent(), usageEvent()];
      const results = await Promise.all([
        store.writeBatch([own[0], ...shared]),
        other.writeBatch([own[1], ...[...shared].reverse()]),
      ]);
      expect(results.map((r) => r.written).reduce((a, b) => a + b)).toBe(shared.length + 2);
      expect(results.map((r) => r.duplicates).reduce((a, b) => a + b)).toBe(shared.length);
      const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM usage_reports WHERE event_id = ANY($1)', [
        [...shared, ...own].map((e) => e.id),
      ]);
      expect(rows[0].n).toBe(shared.length + 2);
    } finally {
      await other.close();
    }
  });

  it("overwrites stored rows in replace mode, including a push's changed series", async () => {
    const report = usageEvent({ metrics: { 'stats.users.count': 1 } });
    const push = metricsEvent('job', [{ name: 'x', type: 'gauge', samples: [{ labels: { a: '1' }, value: 1 }] }]);
    await store.writeBatch([report, push]);
    const changedReport: ProcessedEvent = {
      ...report,
      payload: { ...report.payload, metrics: { 'stats.users.count': 2 } },
    };
    const changedPush: ProcessedEvent = {
      ...push,
      payload: {
        ...push.payload,
        families: [{ name: 'x', type: 'gauge', samples: [{ name: 'x', labels: { b: '2' }, value: 5 }] }],
      },
    };
    expect(await store.writeBatch([changedReport, changedPush], { mode: 'insert' })).toMatchObject({
      written: 1,
      duplicates: 1,
    });
    expect(await store.writeBatch([changedReport, changedPush], { mode: 'replace' })).toMatchObject({
      written: 2,
      duplicates: 0,
    });
    const users = await db.pool.query(
      `SELECT metrics->>'stats.users.count' AS n FROM usage_reports WHERE event_id = $1`,
      [report.id],
    );
    expect(users.rows[0].n).toBe('2');
    const samples = await db.pool.query('SELECT labels, value FROM metric_samples WHERE event_id = $1', [push.id]);
    expect(samples.rows).toEqual([{ labels: { b: '2' }, value: 5 }]);
  });

  it("a replay in replace mode deletes a push's stale samples even when every event of the chunk inserted a new one", async () => {
    const push = (job: string, peer: string, id?: string): ProcessedEvent => {
      const e = metricsEvent(job, [
        {
          name: 'up',
          type: 'gauge',
          samples: [
            { labels: { peer }, value: 1 },
            { labels: { peer: 'fixed' }, value: 2 },
          ],
        },
      ]);
      return id ? { ...e, id } : e;
    };
    const [a, b] = [push('replay-a', '[ip]'), push('replay-b', '[ip]')];
    expect(a.id).not.toBe(b.id);
    await store.writeBatch([a, b]);
    // Today's rules map the label to another value: both pushes get a new sample id, none is a duplicate.
    const counting = new ReplaceCountingStore(store);
    const result = await counting.writeBatch(
      [push('replay-a', '[ip:1749139c]', a.id), push('replay-b', '[ip:d256dc7c]', b.id)],
      { mode: 'replace' },
    );
    expect(result).toMatchObject({ written: 2, rejected: [] });
    const rows = await db.pool.query(
      "SELECT event_id, labels->>'peer' AS peer FROM metric_samples WHERE event_id = ANY($1) ORDER BY 1, 2",
      [[a.id, b.id]],
    );
    expect(rows.rows.map((r) => [r.event_id === a.id ? 'a' : 'b', r.peer]).sort()).toEqual([
      ['a', '[ip:1749139c]'],
      ['a', 'fixed'],
      ['b', '[ip:d256dc7c]'],
      ['b', 'fixed'],
    ]);
  });

  it("declares each column's type as the migrations create it (the binary COPY depends on it)", async () => {
    const names: Record<string, string> = {
      text: 'text',
      'timestamp with time zone': 'timestamptz',
      boolean: 'bool',
      jsonb: 'jsonb',
      'double precision': 'float8',
    };
    for (const spec of Object.values(TABLES)) {
      const { rows } = await db.pool.query<{ column_name: string; data_type: string }>(
        'SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1',
        [spec.table],
      );
      const actual = new Map(rows.map((r) => [r.column_name, names[r.data_type] ?? r.data_type]));
      expect(spec.columns.map((c) => `${c} ${actual.get(c)}`)).toEqual(
        spec.columns.map((c, i) => `${c} ${spec.types[i]}`),
      );
    }
  });

  it('stores text, JSON, times and sample values exactly as given, without NUL', async () => {
    const tricky = 'tab\there\nnew line \\ back\\slash \r é 😀 \u2028 nul\u0000gone';
    const report = usageEvent({
      metrics: { 'k\ty': tricky, n: 1.5 },
      patch: { edition: tricky, databaseCreated: Date.UTC(1999, 11, 31, 23, 59, 59, 999), hasValidLicense: true },
    });
    const push = metricsEvent('node', [
      {
        name: 'v',
        type: 'gauge',
        samples: [
          { labels: { l: tricky }, value: 'NaN' },
          { labels: { l: '2' }, value: '-Inf' },
          { labels: { l: '3' }, value: -0.000123 },
        ],
      },
    ]);
    expect(await store.writeBatch([report, push])).toEqual({ written: 2, duplicates: 0, rejected: [] });
    const clean = tricky.replace('\u0000', '');
    const { rows } = await db.pool.query(
      `SELECT edition, metrics->>'k\ty' AS m, metrics->'n' AS n, has_valid_license AS lic,
              database_created_at = '1999-12-31 23:59:59.999+00' AS created, received_at = $2 AS received
       FROM usage_reports WHERE event_id = $1`,
      [report.id, new Date(report.receivedAt)],
    );
    expect(rows[0]).toEqual({ edition: clean, m: clean, n: 1.5, lic: true, created: true, received: true });
    const samples = await db.pool.query(
      `SELECT labels->>'l' AS l, value::text AS v FROM metric_samples WHERE event_id = $1 ORDER BY labels->>'l'`,
      [push.id],
    );
    expect(samples.rows).toEqual([
      { l: '2', v: '-Infinity' },
      { l: '3', v: '-0.000123' },
      { l: clean, v: 'NaN' },
    ]);
  });

  it('isolates a report whose date PostgreSQL cannot hold', async () => {
    const good = usageEvent();
    const ancient = usageEvent({ patch: { databaseCreated: -8.64e15 } }); // 271821 BC
    const result = await store.writeBatch([good, ancient]);
    expect(result.written).toBe(1);
    expect(result.rejected).toEqual([{ eventId: ancient.id, reason: expect.stringMatching(/refused by postgres/) }]);
  });

  it('isolates rows PostgreSQL refuses and writes the rest of the batch', async () => {
    const good = [usageEvent(), usageEvent(), usageEvent()];
    const bad = usageEvent({ metrics: { broken: 'lone surrogate \ud800' } });
    const result = await store.writeBatch([good[0], bad, good[1], good[2]]);
    expect(result.written).toBe(3);
    expect(result.rejected).toEqual([{ eventId: bad.id, reason: expect.stringMatching(/refused by postgres/) }]);
  });

  it('keeps writing on a connection whose previous batch was rolled back', async () => {
    // One connection, so the refused batch and the next one share it.
    const single = new PostgresStore(pgConfig({ POSTGRES_DB: db.name, POSTGRES_MAX_CONNECTIONS: '1' }), logger);
    await single.connect();
    try {
      const bad = usageEvent({ metrics: { broken: 'lone surrogate \ud800' } });
      expect((await single.writeBatch([bad])).rejected.map((r) => r.eventId)).toEqual([bad.id]);
      const next = [usageEvent(), usageEvent()];
      expect(await single.writeBatch(next)).toEqual({ written: 2, duplicates: 0, rejected: [] });
    } finally {
      await single.close();
    }
  });

  it('reports an outage as retriable and an unhealthy store', async () => {
    const down = new PostgresStore(
      pgConfig({
        POSTGRES_DB: db.name,
        POSTGRES_PORT: String(await getFreePort()),
        POSTGRES_CONNECT_TIMEOUT_MS: '500',
      }),
      logger,
    );
    await expect(down.writeBatch([usageEvent()])).rejects.toBeInstanceOf(RetriableStoreError);
    await expect(down.connect()).rejects.toBeInstanceOf(RetriableStoreError);
    expect(await down.health()).toMatchObject({ ok: false });
    await down.close();
  });
});

describe('POSTGRES_SSL_MODE (shared PostgreSQL)', () => {
  const sslInUse = async (mode: string, extra: Record<string, string> = {}) => {
    const pool = createPostgresPool(pgConfig({ POSTGRES_SSL_MODE: mode, POSTGRES_DB: 'usage_stats', ...extra }));
    try {
      const { rows } = await pool.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      return rows[0].ssl as boolean;
    } finally {
      await pool.end();
    }
  };
  const serverCert = join(__dirname, '../../.local/postgres/data/server.crt');

  it('disable never uses TLS', async () => {
    expect(await sslInUse('disable')).toBe(false);
  });

  it('require uses TLS without verification; verify-* check the certificate', async () => {
    const admin = new Pool({ ...sharedStack.postgres, max: 1, ssl: false });
    const ssl = (await admin.query('SHOW ssl')).rows[0].ssl;
    await admin.end();
    if (ssl !== 'on') {
      await expect(sslInUse('require')).rejects.toThrow(/does not support SSL/);
      return;
    }
    expect(await sslInUse('require')).toBe(true);
    // A self-signed server certificate is trusted only when given as the CA.
    await expect(sslInUse('verify-full')).rejects.toThrow(/self[- ]signed|certificate/i);
    if (existsSync(serverCert)) {
      const ca = serverCert;
      expect(readFileSync(ca, 'utf8')).toContain('BEGIN CERTIFICATE');
      expect(await sslInUse('verify-ca', { POSTGRES_SSL_CA_FILE: ca })).toBe(true);
    }
  });
});
