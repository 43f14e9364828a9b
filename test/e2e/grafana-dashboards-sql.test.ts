import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDatabase, TestDatabase, waitForStored } from '../support/pipeline-harness';
import { Pipeline, startPipeline } from '../support/store-e2e';
import { PanelPoint, sendReports, sendSessions, session } from '../support/analytics-seed';
import { grafanaSql, VariableValue } from '../support/grafana-macros';
import { cliEnv, runCliJson } from './cli-harness';

interface Target {
  rawSql?: string;
  format?: string;
  datasource: { type: string };
}
interface Panel {
  title: string;
  type: string;
  targets?: Target[];
}
interface Dashboard {
  uid: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; query: string; multi?: boolean }> };
}

const DIR = join(__dirname, '../../deploy/grafana/dashboards');
const load = (file: string) => JSON.parse(readFileSync(join(DIR, file), 'utf8')) as Dashboard;
const DAY = 86_400;

// The columns each PostgreSQL panel must return, in order (the panel's field names and overrides rely on them).
const EXPECTED: Record<string, Record<string, string[]>> = {
  'usage-stats-fleet': {
    'Active instances per day': ['time', 'instances'],
    'Instances on the latest day': ['instances'],
    'By major version': ['time', 'metric', 'instances'],
    'By minor version': ['time', 'metric', 'instances'],
    'By edition': ['time', 'metric', 'instances'],
    'By OS / arch': ['time', 'metric', 'instances'],
    'By packaging': ['time', 'metric', 'instances'],
    'By database': ['time', 'metric', 'instances'],
    'Datasource adoption': ['time', 'metric', 'instances'],
    'Plugin adoption': ['time', 'metric', 'instances'],
    'Feature adoption': ['time', 'metric', 'instances'],
    'Adoption of $metric_like': ['time', 'metric', 'instances'],
    'New instances per day': ['time', 'new_instances'],
    'Churned instances per day': ['time', 'churned_instances'],
    'Instances that stopped reporting': [
      'instance_id',
      'first_day',
      'last_day',
      'days_silent',
      'last_version',
      'last_edition',
    ],
  },
  'usage-stats-dashboard-usage': {
    'Sessions and focused hours': ['time', 'sessions', 'focused_hours'],
    'Distinct viewers': ['viewers', 'dashboards', 'sessions'],
    'Dashboards by sessions': [
      'dashboard_uid',
      'dashboard_name',
      'sessions',
      'viewers',
      'hours',
      'focused_hours',
      'avg_minutes',
      'last_seen',
    ],
    'By role': ['user_role', 'sessions', 'viewers', 'focused_hours'],
    'By theme': ['user_theme', 'sessions', 'viewers', 'focused_hours'],
    'By timezone': ['user_timezone', 'sessions', 'viewers', 'focused_hours'],
    'By locale': ['user_locale', 'sessions', 'viewers', 'focused_hours'],
    'Per Grafana host and environment': [
      'grafana_host',
      'grafana_env',
      'sessions',
      'dashboards',
      'viewers',
      'focused_hours',
    ],
    'Dashboards not opened for $stale_days days': ['dashboard_uid', 'dashboard_name', 'last_opened', 'sessions_ever'],
  },
};

const beat = (at: number, focus = true): PanelPoint => ({ type: 'heartbeat', at, focus });

/**
 * Every PostgreSQL panel of the provisioned dashboards, with Grafana's variable interpolation
 * and macro expansion applied, against a database filled through the ingest API, the worker
 * and `usage-stats refresh`.
 */
describe('Grafana dashboards: every panel query against PostgreSQL seeded through the pipeline', () => {
  let db: TestDatabase;
  let pipeline: Pipeline;
  const now = Math.floor(Date.now() / 1000);
  const tag = randomUUID().slice(0, 8);
  const range = { from: new Date((now - 7 * DAY) * 1000), to: new Date(now * 1000) };
  const dashboards = ['fleet.json', 'dashboard-usage.json'].map(load);

  /** What a user picks: every host and environment ("All"), 30 days, the default textbox. */
  async function variables(d: Dashboard): Promise<Record<string, VariableValue>> {
    const vars: Record<string, VariableValue> = {};
    for (const v of d.templating.list) {
      if (v.type === 'query') {
        const { rows } = await db.pool.query<{ v: string }>(`SELECT v FROM (${v.query}) AS q(v)`);
        vars[v.name] = { multi: true, values: rows.map((r) => r.v) };
      } else {
        vars[v.name] = { multi: false, value: v.name === 'stale_days' ? '30' : v.query.split(',')[0] };
      }
    }
    return vars;
  }
  async function run(d: Dashboard, title: string) {
    const panel = d.panels.find((p) => p.title === title);
    const sql = grafanaSql(panel!.targets![0].rawSql!, { range, interval: '1h', vars: await variables(d) });
    return db.pool.query(sql);
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    pipeline = await startPipeline({ STORAGE_TYPE: 'postgres' }, db.name);
    const t0 = now - 2 * 3_600;
    const sent = await sendSessions(
      pipeline.apiUrl,
      [
        session(
          `sales-${tag}`,
          [{ type: 'start', at: 0, focus: true }, beat(60), beat(120), { type: 'end', at: 150, focus: true }],
          {
            user: { id: 1, orgRole: 'Viewer', lightTheme: true, timezone: 'Europe/Paris', locale: 'fr-FR' },
            host: { hostname: 'grafana-a', env: 'production' },
          },
        ),
        session(
          `sales-${tag}`,
          [{ type: 'start', at: 0, focus: true }, beat(60, false), { type: 'end', at: 90, focus: true }],
          {
            user: { id: 2, orgRole: 'Editor', lightTheme: false, timezone: 'utc', locale: 'en-US' },
            host: { hostname: 'grafana-b', env: 'staging' },
          },
        ),
        session(
          `ops-${tag}`,
          [
            { type: 'start', at: 0, focus: true },
            { type: 'end', at: 45, focus: true },
          ],
          { user: { id: 1, orgRole: 'Viewer' } },
        ),
      ],
      t0,
    );
    // A dashboard last opened 40 days ago: the "not opened for 30 days" panel lists it.
    const old = await sendSessions(
      pipeline.apiUrl,
      [session(`old-${tag}`, [{ type: 'start', at: 0, focus: true }, beat(60)])],
      now - 40 * DAY,
    );
    const reports = await sendReports(pipeline.apiUrl, [
      {
        instance: `i1-${tag}`,
        version: '11.2.0',
        metrics: { 'stats.ds.prometheus.count': 2, 'stats.plugins.grafana-piechart-panel.count': 1 },
      },
      {
        instance: `i2-${tag}`,
        version: '10.4.1',
        edition: 'enterprise',
        os: 'windows',
        arch: 'amd64',
        metrics: { 'stats.features.canvas.count': 1 },
      },
    ]);
    await waitForStored(db.pool, sent + old + reports, 60_000);
    await runCliJson(['refresh'], cliEnv({ topic: pipeline.topic, database: db.name, group: pipeline.group }));
  });
  afterAll(async () => {
    await pipeline?.stop();
    await db?.drop();
  });

  it('covers every PostgreSQL panel of the dashboards with an expected column list', () => {
    for (const d of dashboards) {
      const sqlPanels = d.panels
        .filter((p) => p.targets?.some((t) => t.datasource.type === 'grafana-postgresql-datasource'))
        .map((p) => p.title);
      expect(sqlPanels.sort()).toEqual(Object.keys(EXPECTED[d.uid]).sort());
    }
  });

  it.each(
    Object.entries(EXPECTED).flatMap(([uid, panels]) =>
      Object.entries(panels).map(([title, columns]) => [uid, title, columns] as const),
    ),
  )('%s / %s returns its columns', async (uid, title, columns) => {
    const d = dashboards.find((x) => x.uid === uid)!;
    const result = await run(d, title);
    expect(result.fields.map((f) => f.name)).toEqual(columns);
  });

  it('shows the seeded numbers: instances, versions, adoption, sessions and viewers', async () => {
    const [fleet, usage] = dashboards;
    expect((await run(fleet, 'Active instances per day')).rows.map((r) => Number(r.instances))).toEqual([2]);
    expect((await run(fleet, 'By major version')).rows.map((r) => [r.metric, Number(r.instances)])).toEqual([
      ['10', 1],
      ['11', 1],
    ]);
    expect((await run(fleet, 'By OS / arch')).rows.map((r) => r.metric)).toEqual(['linux/arm64', 'windows/amd64']);
    expect((await run(fleet, 'Datasource adoption')).rows.map((r) => [r.metric, Number(r.instances)])).toEqual([
      ['loki', 2],
      ['prometheus', 2],
    ]);
    expect((await run(fleet, 'Plugin adoption')).rows.map((r) => r.metric)).toEqual(['grafana-piechart-panel']);
    expect((await run(fleet, 'Feature adoption')).rows.map((r) => r.metric)).toEqual(['canvas']);
    expect((await run(fleet, 'New instances per day')).rows.map((r) => Number(r.new_instances))).toEqual([2]);

    const boards = (await run(usage, 'Dashboards by sessions')).rows.map((r) => [
      String(r.dashboard_uid).split('-')[0],
      Number(r.sessions),
      Number(r.viewers),
    ]);
    expect(boards).toEqual([
      ['sales', 2, 2],
      ['ops', 1, 1],
    ]);
    expect((await run(usage, 'Distinct viewers')).rows[0]).toEqual({ viewers: '2', dashboards: '2', sessions: '3' });
    expect((await run(usage, 'By theme')).rows.map((r) => [r.user_theme, Number(r.sessions)])).toEqual([
      ['dark', 2],
      ['light', 1],
    ]);
    expect(
      (await run(usage, 'Dashboards not opened for $stale_days days')).rows.map(
        (r) => String(r.dashboard_uid).split('-')[0],
      ),
    ).toEqual(['old']);
    // 150 + 90 + 45 s in range; the 60 s unfocused gap is not focused time: 150 + 30 + 45 = 225 s.
    const series = (await run(usage, 'Sessions and focused hours')).rows;
    expect(series.reduce((n, r) => n + Number(r.sessions), 0)).toBe(3);
    expect(Math.round(series.reduce((n, r) => n + Number(r.focused_hours), 0) * 3600)).toBe(225);
  });
});
