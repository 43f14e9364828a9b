import { randomUUID } from 'node:crypto';
import { createTestDatabase, TestDatabase, waitForStored } from '../support/pipeline-harness';
import { Pipeline, startPipeline } from '../support/store-e2e';
import { PanelPoint, sendReports, sendSessions, session } from '../support/analytics-seed';
import { cliEnv, runCliJson } from './cli-harness';

interface Refresh {
  sessions: number;
  reportDays: number;
  metricDays: number;
  instances: number;
  gapCapSeconds: number;
  full: boolean;
}

// Session A: heartbeats every 60 s with a 300 s silence (a laptop lid closed) and one unfocused gap.
// Sent shuffled: the order of arrival must not matter, only the panel's clock.
const A: PanelPoint[] = [
  { type: 'heartbeat', at: 420, focus: true },
  { type: 'start', at: 0, focus: true },
  { type: 'end', at: 500, focus: true },
  { type: 'heartbeat', at: 60, focus: true },
  { type: 'heartbeat', at: 480, focus: true },
  { type: 'heartbeat', at: 120, focus: false },
];
// Session B: no heartbeats, so nothing shows a pause: start to end in full, as the reference server counts it.
const B: PanelPoint[] = [
  { type: 'start', at: 0, focus: true },
  { type: 'end', at: 900, focus: false },
];
// Session C: still open (no end yet).
const C: PanelPoint[] = [
  { type: 'start', at: 0, focus: true },
  { type: 'heartbeat', at: 60, focus: true },
  { type: 'heartbeat', at: 200, focus: true },
];

/**
 * Sessions and daily rollups from traffic on the real client routes: ingest API -> Kafka ->
 * worker -> PostgreSQL, then `usage-stats refresh` (the built CLI) computes the rollups.
 */
describe('analytics rollups: panel sessions and daily report rollups through the pipeline', () => {
  let db: TestDatabase;
  let pipeline: Pipeline;
  let env: Record<string, string>;
  const t0 = Math.floor(Date.now() / 1000) - 3_600;
  const tag = randomUUID().slice(0, 8);
  const sessions = [session(`a-${tag}`, A), session(`b-${tag}`, B), session(`c-${tag}`, C)];
  const refresh = (args: string[] = [], extra: Record<string, string> = {}) =>
    runCliJson<Refresh>(['refresh', ...args], { ...env, ...extra });
  const byBoard = async () => {
    const { rows } = await db.pool
      .query(`SELECT dashboard_uid AS uid, duration_seconds AS d, focused_seconds AS f, events, heartbeats, ended
      FROM analytics_sessions ORDER BY dashboard_uid`);
    return rows.map((r) => ({ ...r, uid: String(r.uid).split('-')[0] }));
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    pipeline = await startPipeline({ STORAGE_TYPE: 'postgres' }, db.name);
    env = cliEnv(
      { topic: pipeline.topic, database: db.name, group: pipeline.group },
      { POSTGRES_SESSION_HEARTBEAT_SECONDS: '60' },
    );
    const panelEvents = await sendSessions(pipeline.apiUrl, sessions, t0);
    // A report's event id is one per instance, day and client address: one report per instance here.
    const reports = await sendReports(pipeline.apiUrl, [
      {
        instance: `i1-${tag}`,
        version: '11.2.0',
        metrics: { 'stats.ds.prometheus.count': 2, 'stats.database.sqlite3.count': 1 },
      },
      {
        instance: `i2-${tag}`,
        version: '9.5.2',
        edition: 'enterprise',
        metrics: { 'stats.ds.prometheus.count': 0, 'stats.database.postgres.count': 1 },
      },
    ]);
    await waitForStored(db.pool, panelEvents + reports, 60_000);
  });
  afterAll(async () => {
    await pipeline?.stop();
    await db?.drop();
  });

  it('caps each gap at heartbeat × 1.25 by default and sums focused gaps', async () => {
    expect(await refresh()).toMatchObject({ sessions: 3, dashboards: 3, gapCapSeconds: 75, full: false });
    // A: gaps 60, 60 (unfocused), 300 -> 75, 60, 20 = 275; focused 60 + 75 + 60 + 20 = 215.
    // B: no heartbeat, 900 uncapped; its end is unfocused. C: 60 + 75 (140 capped) = 135, open.
    expect(await byBoard()).toEqual([
      { uid: 'a', d: 275, f: 215, events: 6, heartbeats: 4, ended: true },
      { uid: 'b', d: 900, f: 0, events: 2, heartbeats: 0, ended: true },
      { uid: 'c', d: 135, f: 135, events: 3, heartbeats: 2, ended: false },
    ]);
  });

  it('recomputes every session with another cap on --full, and counts gaps in full with factor 0', async () => {
    expect(await refresh(['--full'], { POSTGRES_SESSION_GAP_FACTOR: '2' })).toMatchObject({
      sessions: 3,
      gapCapSeconds: 120,
    });
    expect((await byBoard()).map((r) => [r.uid, r.d, r.f])).toEqual([
      ['a', 320, 260],
      ['b', 900, 0],
      ['c', 180, 180],
    ]);
    expect(await refresh(['--full'], { POSTGRES_SESSION_GAP_FACTOR: '0' })).toMatchObject({
      sessions: 3,
      gapCapSeconds: 0,
    });
    expect((await byBoard()).map((r) => [r.uid, r.d, r.f])).toEqual([
      ['a', 500, 440],
      ['b', 900, 0],
      ['c', 200, 200],
    ]);
  });

  it('rolls reports up per instance and day: version split, database from the metrics map', async () => {
    const { rows } = await db.pool.query(`SELECT reports, version, version_major, version_minor, edition, database
      FROM usage_reports_daily ORDER BY version`);
    expect(rows).toEqual([
      {
        reports: 1,
        version: '11.2.0',
        version_major: '11',
        version_minor: '11.2',
        edition: 'oss',
        database: 'sqlite3',
      },
      {
        reports: 1,
        version: '9.5.2',
        version_major: '9',
        version_minor: '9.5',
        edition: 'enterprise',
        database: 'postgres',
      },
    ]);
    const adoption = await db.pool.query(`SELECT metric, instances FROM usage_metrics_daily
      WHERE metric IN ('stats.ds.prometheus.count', 'stats.database.sqlite3.count', 'stats.database.postgres.count') ORDER BY metric`);
    expect(adoption.rows).toEqual([
      { metric: 'stats.database.postgres.count', instances: 1 },
      { metric: 'stats.database.sqlite3.count', instances: 1 },
      { metric: 'stats.ds.prometheus.count', instances: 1 },
    ]);
    const instances = await db.pool.query(
      'SELECT count(*)::int AS n, count(*) FILTER (WHERE first_day = last_day)::int AS one_day FROM usage_instances',
    );
    expect(instances.rows[0]).toEqual({ n: 2, one_day: 2 });
  });

  it('redoes only what was stored since the previous run', async () => {
    await refresh(['--full']);
    const late = session(`d-${tag}`, [
      { type: 'start', at: 0, focus: true },
      { type: 'heartbeat', at: 30, focus: true },
    ]);
    const sent = await sendSessions(pipeline.apiUrl, [late], t0);
    await waitForStored(db.pool, 11 + 2 + sent, 60_000);
    expect(await refresh(['--overlap', '0'])).toMatchObject({
      sessions: 1,
      dashboards: 1,
      reportDays: 0,
      instances: 0,
    });
    expect((await byBoard()).map((r) => [r.uid, r.d])).toEqual([
      ['a', 275],
      ['b', 900],
      ['c', 135],
      ['d', 30],
    ]);
    const boards = await db.pool
      .query(`SELECT dashboard_uid AS uid, sessions::int AS n, first_opened = last_opened AS once
      FROM analytics_dashboards ORDER BY dashboard_uid`);
    expect(boards.rows.map((r) => [String(r.uid).split('-')[0], r.n, r.once])).toEqual([
      ['a', 1, true],
      ['b', 1, true],
      ['c', 1, true],
      ['d', 1, true],
    ]);
  });
});
