/**
 * The dashboard query benchmark (BENCHMARKS.md, "Dashboard queries"): seeds a scratch database
 * with N usage reports and M analytics-panel events straight in SQL, runs the full rollup
 * refresh, then times every PostgreSQL panel of deploy/grafana/dashboards with Grafana's
 * macros expanded (the last 7 days for usage, 90 for the fleet, 1 h buckets), and an
 * incremental refresh after a five-minute-sized batch. Never part of `npm test`.
 *
 *   npm run bench:queries [-- --reports 1000000 --panel-events 5000000 --runs 5 --keep]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Pool } from 'pg';
import { migrate } from '@app/storage/postgres';
import { grafanaSql, VariableValue } from '../test/support/grafana-macros';
import { dropDatabase } from './support/drop-database';

const ROOT = join(__dirname, '../..');
const PG = {
  host: process.env.POSTGRES_HOST ?? '127.0.0.1',
  port: 5432,
  user: 'stats_user',
  password: process.env.POSTGRES_PASSWORD ?? 'secure_password',
};
const DAY = 86_400_000;

interface Args {
  reports: number;
  panelEvents: number;
  runs: number;
  keep: boolean;
}
function parseArgs(argv: string[]): Args {
  const a: Args = { reports: 1_000_000, panelEvents: 5_000_000, runs: 5, keep: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--reports') a.reports = Number(argv[++i]);
    else if (argv[i] === '--panel-events') a.panelEvents = Number(argv[++i]);
    else if (argv[i] === '--runs') a.runs = Number(argv[++i]);
    else if (argv[i] === '--keep') a.keep = true;
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return a;
}

const log = (m: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${m}`);

async function timed<T>(what: string, f: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = process.hrtime.bigint();
  const value = await f();
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  log(`${what}: ${(ms / 1000).toFixed(2)} s`);
  return { ms, value };
}

// ~11k instances over 90 days (one in ten silent for the last 35 days), 25 metrics-map keys each.
// With today set, reports received today from existing, not churned, instances (what a refresh run sees).
const seedReports = (from: number, to: number, today?: { instances: number }) => `
INSERT INTO usage_reports (event_id, received_at, instance_id, version, edition, os, arch, packaging, has_valid_license, metrics)
SELECT 'r' || g, date_trunc('day', now()) - make_interval(days => d) + make_interval(secs => (g * 37) % 86400), 'inst-' || i,
  (ARRAY['9.5.2','10.0.3','10.4.1','11.0.0','11.2.0','11.3.1','12.0.0'])[1 + i % 7],
  (ARRAY['oss','enterprise'])[1 + (i % 5 = 0)::int], (ARRAY['linux','windows','darwin'])[1 + i % 3],
  (ARRAY['amd64','arm64'])[1 + i % 2], (ARRAY['deb','rpm','docker','zip'])[1 + i % 4], i % 5 = 0,
  jsonb_build_object('stats.dashboards.count', i % 300, 'stats.users.count', i % 50, 'stats.orgs.count', 1,
    'stats.ds.prometheus.count', (i % 2 = 0)::int, 'stats.ds.loki.count', (i % 3 = 0)::int, 'stats.ds.postgres.count', (i % 4 = 0)::int,
    'stats.ds.mysql.count', (i % 5 = 0)::int, 'stats.ds.elasticsearch.count', (i % 6 = 0)::int, 'stats.ds.influxdb.count', (i % 7 = 0)::int,
    'stats.ds.tempo.count', (i % 8 = 0)::int, 'stats.ds.graphite.count', (i % 9 = 0)::int,
    'stats.plugins.grafana-piechart-panel.count', (i % 3 = 0)::int, 'stats.plugins.grafana-clock-panel.count', (i % 4 = 0)::int,
    'stats.plugins.grafana-worldmap-panel.count', (i % 5 = 0)::int, 'stats.plugins.marcusolsson-json-datasource.count', (i % 6 = 0)::int,
    'stats.features.canvas.count', (i % 2 = 0)::int, 'stats.features.publicDashboards.count', (i % 3 = 0)::int,
    'stats.features.correlations.count', (i % 4 = 0)::int, 'stats.features.nestedFolders.count', (d < 45)::int,
    'stats.auth_enabled.basic_auth.count', 1, 'stats.auth_enabled.oauth.count', (i % 3 = 0)::int,
    'stats.database.' || (ARRAY['sqlite3','mysql','postgres'])[1 + i % 3] || '.count', 1, 'stats.uptime', g % 100000)
FROM (SELECT g, ${today ? `10 * (g % ${Math.ceil(today.instances / 10)}) + 1 + g % 9` : 'g / 90'} AS i,
        ${today ? '0' : 'CASE WHEN (g / 90) % 10 = 0 THEN 35 + g % 55 ELSE g % 90 END'} AS d
      FROM generate_series(${from}, ${to - 1}) AS g) s`;

// Sessions of five points (start, three heartbeats, end; one in seven with a 10-minute gap) over
// 30 days, 2,000 dashboards (the last 100 only opened 40+ days ago), 5,000 viewers, 20 hosts.
const seedPanelEvents = (from: number, to: number) => `
INSERT INTO analytics_events (event_id, received_at, session_uuid, event_type, event_time, dashboard_uid, dashboard_name,
  dashboard_timezone, grafana_host, grafana_env, grafana_version, grafana_edition, user_id, user_role, user_theme, user_timezone,
  user_locale, has_focus)
SELECT 'a' || g, t, 's' || s, (ARRAY['start','heartbeat','heartbeat','heartbeat','end'])[1 + k], t, 'dash-' || b, 'Dashboard ' || b, 'utc',
  'grafana-' || s % 20, (ARRAY['production','staging','dev'])[1 + s % 3], '11.2.0', 'oss', 'user-' || s % 5000,
  (ARRAY['Viewer','Viewer','Editor','Admin'])[1 + s % 4], (ARRAY['dark','light'])[1 + (s % 3 = 0)::int],
  (ARRAY['browser','utc','Europe/Paris','America/New_York'])[1 + s % 4], (ARRAY['en-US','fr-FR','de-DE','ja-JP'])[1 + s % 4], k % 4 <> 3
FROM (SELECT g, s, k, b, now() - make_interval(secs => CASE WHEN b >= 1900 THEN 40 * 86400 + s % 86400 ELSE (s * 7) % 2592000 END)
        + make_interval(secs => k * 60 + CASE WHEN s % 7 = 0 AND k >= 2 THEN 600 ELSE 0 END) AS t
      FROM (SELECT g, g / 5 AS s, g % 5 AS k, ((g / 5) * 31) % 2000 AS b FROM generate_series(${from}, ${to - 1}) AS g) x) y`;

interface Panel {
  title: string;
  targets?: Array<{ rawSql?: string }>;
}
interface Dashboard {
  title: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; query: string }> };
}

async function variables(pool: Pool, d: Dashboard): Promise<Record<string, VariableValue>> {
  const vars: Record<string, VariableValue> = {};
  for (const v of d.templating.list) {
    if (v.type !== 'query') {
      vars[v.name] = { multi: false, value: v.name === 'stale_days' ? '30' : v.query.split(',')[0] };
      continue;
    }
    const { rows } = await pool.query<{ v: string }>(`SELECT v FROM (${v.query}) AS q(v)`);
    vars[v.name] = { multi: true, values: rows.map((r) => r.v) };
  }
  return vars;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const name = `bench_dash_${Date.now().toString(36)}`;
  const admin = new Client({ ...PG, database: 'usage_stats' });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const pool = new Pool({ ...PG, database: name, max: 2, statement_timeout: 0 });
  // DROP DATABASE ... WITH (FORCE) at the end may still find a closing client: not an error of the run.
  pool.on('error', () => undefined);
  const rows: string[] = [];
  try {
    await migrate(pool);
    const chunk = 500_000;
    await timed(`seed ${args.reports} reports`, async () => {
      for (let i = 0; i < args.reports; i += chunk) await pool.query(seedReports(i, Math.min(args.reports, i + chunk)));
    });
    await timed(`seed ${args.panelEvents} panel events`, async () => {
      for (let i = 0; i < args.panelEvents; i += chunk)
        await pool.query(seedPanelEvents(i, Math.min(args.panelEvents, i + chunk)));
    });
    await timed('vacuum analyze', () => pool.query('VACUUM ANALYZE'));
    const full = await timed('full refresh', () =>
      pool.query('SELECT * FROM refresh_analytics_rollups(75, full_refresh => true)'),
    );
    await pool.query(`VACUUM ANALYZE analytics_sessions, usage_reports_daily, usage_fleet_daily, usage_metrics_daily, usage_instances,
      analytics_usage_daily, analytics_usage_hourly, analytics_viewer_days`);
    const counts =
      await pool.query(`SELECT (SELECT count(*) FROM analytics_sessions) AS sessions, (SELECT count(*) FROM usage_reports_daily) AS days,
      (SELECT count(*) FROM usage_instances) AS instances, (SELECT count(*) FROM analytics_usage_daily) AS usage_daily,
      (SELECT count(*) FROM analytics_viewer_days) AS viewer_days, pg_size_pretty(pg_database_size(current_database())) AS size`);
    log(`rollups: ${JSON.stringify(counts.rows[0])}; refresh returned ${JSON.stringify(full.value.rows[0])}`);

    // A five-minute batch: 10,000 new panel events and 1,000 reports, then the incremental refresh.
    await pool.query(seedPanelEvents(args.panelEvents, args.panelEvents + 10_000));
    await pool.query(seedReports(args.reports, args.reports + 1_000, { instances: Math.ceil(args.reports / 90) }));
    // No overlap: here every seeded row was stored within the default 10-minute overlap.
    const incremental = await timed('incremental refresh (10,000 events + 1,000 reports)', () =>
      pool.query(`SELECT * FROM refresh_analytics_rollups(75, interval '0')`),
    );

    const now = Date.now();
    for (const [file, days] of [
      ['fleet.json', 90],
      ['dashboard-usage.json', 7],
    ] as const) {
      const d = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/dashboards', file), 'utf8')) as Dashboard;
      const varTime = await timed(`${d.title}: template variables`, () => variables(pool, d));
      rows.push(`| ${d.title} | (template variables) | ${varTime.ms.toFixed(0)} | | |`);
      for (const p of d.panels.filter((x) => x.targets?.[0]?.rawSql)) {
        const sql = grafanaSql(p.targets![0].rawSql!, {
          range: { from: new Date(now - days * DAY), to: new Date(now) },
          interval: '1h',
          vars: varTime.value,
        });
        const times: number[] = [];
        let n = 0;
        for (let r = 0; r < args.runs; r++) {
          const t = process.hrtime.bigint();
          n = (await pool.query(sql)).rowCount ?? 0;
          times.push(Number(process.hrtime.bigint() - t) / 1e6);
        }
        times.sort((a, b) => a - b);
        rows.push(
          `| ${d.title} | ${p.title} | ${times[Math.floor(times.length / 2)].toFixed(0)} | ${times[times.length - 1].toFixed(0)} | ${n} |`,
        );
      }
    }
    console.log(`\n${args.reports} reports, ${args.panelEvents} panel events; ${JSON.stringify(counts.rows[0])}`);
    console.log(`full refresh ${(full.ms / 1000).toFixed(1)} s; incremental refresh ${incremental.ms.toFixed(0)} ms\n`);
    console.log(
      `| dashboard | panel | median ms (${args.runs} runs) | max ms | rows |\n|---|---|---:|---:|---:|\n${rows.join('\n')}`,
    );
  } finally {
    await pool.end();
    if (!args.keep) await dropDatabase(admin, name);
    else log(`kept database ${name}`);
    await admin.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
