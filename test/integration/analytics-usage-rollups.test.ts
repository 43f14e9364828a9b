import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrate } from '@app/storage/postgres';
import { createTestDatabase, TestDatabase } from '../support/pipeline-harness';
import { grafanaSql, VariableValue } from '../support/grafana-macros';

/**
 * The dashboard-usage panels read the per-day and per-hour usage rollups (migration 5) for the
 * whole days of their range and the sessions for its partial ends. Each must answer exactly what
 * the same aggregate over analytics_sessions answers (the panels' SQL before the rollups), for
 * ranges cut anywhere, with NULL attributes, after a full and after an incremental refresh.
 */
const FILTER =
  "$__timeFilter(started_at)\n  AND coalesce(grafana_host, '') IN ($host)" + " AND coalesce(grafana_env, '') IN ($env)";
const BY = (col: string) => `SELECT coalesce(${col}, 'unknown') AS ${col}, count(*) AS sessions,
  count(DISTINCT user_id) AS viewers, round((sum(focused_seconds) / 3600)::numeric, 2) AS focused_hours
FROM analytics_sessions WHERE ${FILTER} GROUP BY 1 ORDER BY 2 DESC LIMIT 20`;
const OVER_SESSIONS: Record<string, string> = {
  'Sessions and focused hours': `SELECT $__timeGroupAlias(started_at, $__interval), count(*) AS sessions,
  sum(focused_seconds) / 3600 AS focused_hours FROM analytics_sessions WHERE ${FILTER} GROUP BY 1 ORDER BY 1`,
  'Distinct viewers': `SELECT count(DISTINCT user_id) AS viewers, count(DISTINCT dashboard_uid) AS dashboards,
  count(*) AS sessions FROM analytics_sessions WHERE ${FILTER}`,
  'Dashboards by sessions': `SELECT dashboard_uid, max(dashboard_name) AS dashboard_name, count(*) AS sessions,
  count(DISTINCT user_id) AS viewers, round((sum(duration_seconds) / 3600)::numeric, 2) AS hours,
  round((sum(focused_seconds) / 3600)::numeric, 2) AS focused_hours,
  round((avg(duration_seconds) / 60)::numeric, 1) AS avg_minutes, max(last_seen_at) AS last_seen
FROM analytics_sessions WHERE ${FILTER} GROUP BY dashboard_uid ORDER BY sessions DESC LIMIT 100`,
  'By role': BY('user_role'),
  'By theme': BY('user_theme'),
  'By timezone': BY('user_timezone'),
  'By locale': BY('user_locale'),
  'Per Grafana host and environment': `SELECT coalesce(grafana_host, '') AS grafana_host,
  coalesce(grafana_env, '') AS grafana_env, count(*) AS sessions, count(DISTINCT dashboard_uid) AS dashboards,
  count(DISTINCT user_id) AS viewers,
  round((sum(focused_seconds) / 3600)::numeric, 2) AS focused_hours
FROM analytics_sessions WHERE ${FILTER} GROUP BY 1, 2 ORDER BY sessions DESC`,
};

interface Panel {
  title: string;
  targets?: Array<{ rawSql?: string }>;
}
const DASHBOARD = join(__dirname, '../../deploy/grafana/dashboards/dashboard-usage.json');
const usage = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[] };
const panelSql = (title: string) => usage.panels.find((p) => p.title === title)!.targets![0].rawSql!;

const only = (host: string[], env: string[]): Record<string, VariableValue> => ({
  host: { multi: true, values: host },
  env: { multi: true, values: env },
});

const T0 = Date.parse('2026-03-10T00:00:00Z');
const H = 3_600_000;
const at = (hours: number) => new Date(T0 + hours * H);

// 600 sessions of start, three heartbeats (one in five with a 10-minute gap) and end, every 637 s from
// T0 (4.4 days); some without host, role, viewer or dashboard; 23 dashboards, 37 viewers, 4 hosts.
const SEED = `
INSERT INTO analytics_events (event_id, received_at, session_uuid, event_type, event_time, dashboard_uid,
  dashboard_name, grafana_host, grafana_env, user_id, user_role, user_theme, user_timezone, user_locale, has_focus)
SELECT 'e' || g, t, 's' || s, (ARRAY['start','heartbeat','heartbeat','heartbeat','end'])[1 + k], t,
  CASE WHEN s % 19 = 0 THEN NULL ELSE 'dash-' || s % 23 END, 'Dashboard ' || s % 23,
  CASE WHEN s % 11 = 0 THEN NULL ELSE 'grafana-' || s % 4 END, (ARRAY['prod','dev'])[1 + s % 2],
  CASE WHEN s % 17 = 0 THEN NULL ELSE 'user-' || s % 37 END,
  CASE WHEN s % 13 = 0 THEN NULL ELSE (ARRAY['Viewer','Editor','Admin'])[1 + s % 3] END,
  (ARRAY['dark','light'])[1 + s % 2], (ARRAY['utc','browser','Asia/Kolkata'])[1 + s % 3],
  (ARRAY['en-US','fr-FR'])[1 + s % 2], k % 4 <> 3
FROM (SELECT g, s, k, timestamptz '2026-03-10T00:00:00Z'
        + make_interval(secs => s * 637 + k * 60 + CASE WHEN s % 5 = 0 AND k >= 2 THEN 600 ELSE 0 END) AS t
      FROM (SELECT g, g / 5 AS s, g % 5 AS k FROM generate_series(0, 2999) AS g) x) y`;

describe('dashboard-usage panels over the usage rollups (migration 5)', () => {
  let db: TestDatabase;

  const vars = async (): Promise<Record<string, VariableValue>> => {
    const values = async (col: string) =>
      (
        await db.pool.query<{ v: string }>(`SELECT DISTINCT coalesce(${col}, '') AS v FROM analytics_sessions`)
      ).rows.map((r) => r.v);
    return only(await values('grafana_host'), await values('grafana_env'));
  };
  const rows = async (sql: string, from: Date, to: Date, interval: string, v: Record<string, VariableValue>) => {
    const result = await db.pool.query(grafanaSql(sql, { range: { from, to }, interval, vars: v }));
    return { columns: result.fields.map((f) => f.name), rows: result.rows.map((r) => JSON.stringify(r)).sort() };
  };
  /** Every panel, over the rollups and over the sessions, for each range. */
  const compare = async (ranges: Array<[Date, Date, string]>, v: Record<string, VariableValue>) => {
    for (const [from, to, interval] of ranges) {
      for (const [title, reference] of Object.entries(OVER_SESSIONS)) {
        const expected = await rows(reference, from, to, interval, v);
        const actual = await rows(panelSql(title), from, to, interval, v);
        expect([title, from, to, interval, actual]).toEqual([title, from, to, interval, expected]);
      }
    }
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    await migrate(db.pool);
    await db.pool.query(SEED);
    await db.pool.query('SELECT * FROM refresh_analytics_rollups(75, full_refresh => true)');
  }, 60_000);

  afterAll(async () => {
    await db?.drop();
  });

  it('reads rollup rows for whole days and hours, not only sessions', async () => {
    const { rows: r } = await db.pool.query(`SELECT (SELECT count(*) FROM analytics_sessions) AS sessions,
      (SELECT count(DISTINCT day) FROM analytics_usage_daily) AS days,
      (SELECT sum(sessions) FROM analytics_usage_daily) AS daily,
      (SELECT sum(sessions) FROM analytics_usage_hourly) AS hourly,
      (SELECT count(DISTINCT user_id) FROM analytics_viewer_days) AS viewers`);
    expect(r[0]).toEqual({ sessions: '600', days: '5', daily: '600', hourly: '600', viewers: '37' });
    const all = await rows(panelSql('Distinct viewers'), at(-24), at(24 * 10), '1h', await vars());
    expect(all.rows).toEqual([JSON.stringify({ viewers: '37', dashboards: '23', sessions: '600' })]);
  });

  it('answers as the sessions do for ranges cut mid-day, on midnights, within a day, and at any interval', async () => {
    await compare(
      [
        [at(5.23), at(24 * 3 + 7.5), '1h'],
        [at(0), at(48), '1h'],
        [at(26.1), at(33.9), '30m'],
        [at(5.23), at(24 * 3 + 7.5), '20m'],
        [at(-24), at(24 * 10), '1d'],
      ],
      await vars(),
    );
  }, 60_000);

  it('answers as the sessions do with one host and environment selected', async () => {
    await compare([[at(10.5), at(24 * 4 + 1.25), '1h']], only(['grafana-1'], ['dev']));
    await compare([[at(10.5), at(24 * 4 + 1.25), '1h']], only([''], ['prod', 'dev']));
  }, 60_000);

  it('moves a session to the day its late start event puts it on, in an incremental refresh', async () => {
    // Session s30 started on day 0 (30 × 637 s); a start event from two days earlier arrives late.
    await db.pool.query(`INSERT INTO analytics_events (event_id, received_at, session_uuid, event_type, event_time,
      dashboard_uid, grafana_host, grafana_env, user_id, user_role, has_focus)
      VALUES ('late', now(), 's30', 'start', timestamptz '2026-03-08T12:00:00Z', 'dash-7', 'grafana-2', 'prod',
        'user-30', 'Admin', true)`);
    const { rows: r } = await db.pool.query("SELECT usage_days FROM refresh_analytics_rollups(75, interval '0')");
    expect(r[0]).toEqual({ usage_days: 2 });
    const days = await db.pool.query(`SELECT day::text, sum(sessions)::int AS n FROM analytics_usage_daily
      WHERE day <= '2026-03-10' GROUP BY 1 ORDER BY 1`);
    expect(days.rows).toEqual([
      { day: '2026-03-08', n: 1 },
      { day: '2026-03-10', n: 135 },
    ]);
    // Its viewer row moves too: user-30 saw dash-7 only in s30, now on 03-08 as an Admin, no longer on 03-10 as a Viewer.
    const seen = await db.pool.query(`SELECT user_role, days::text FROM analytics_viewer_days
      WHERE user_id = 'user-30' AND dashboard_uid = 'dash-7'`);
    expect(seen.rows).toEqual([{ user_role: 'Admin', days: '{2026-03-08}' }]);
    await compare(
      [
        [at(-60), at(24 * 2 + 3), '1h'],
        [at(-36), at(12), '1h'],
      ],
      await vars(),
    );
  }, 60_000);
});
