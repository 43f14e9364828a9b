import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ts from 'typescript';
import { parse, stringify } from 'yaml';

const ROOT = join(__dirname, '../..');
const DIR = join(ROOT, 'deploy/grafana/dashboards');
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();
const dashboards = files.map((f) => ({ file: f, json: readFileSync(join(DIR, f), 'utf8') }));

interface Target {
  expr?: string;
  rawSql?: string;
  datasource: { type: string; uid: string };
}
interface Panel {
  id: number;
  title: string;
  datasource: { uid: string };
  targets?: Target[];
}

/**
 * @grafana/schema ships Grafana's dashboard model as TypeScript types (generated from the CUE
 * schema). Each dashboard is type-checked as an object literal of type Dashboard: a misspelt or
 * misplaced key (excess property), a wrong type or a missing required field fails. String enums
 * (threshold mode, colour mode) are compared by value, as JSON carries them.
 */
function schemaErrors(): string[] {
  const header = [
    "import type { Dashboard } from '@grafana/schema';",
    'type Json<T> = T extends string ? `${T}` : T extends number | boolean | null | undefined ? T',
    '  : T extends Array<infer U> ? Array<Json<U>> : T extends object ? { [K in keyof T]: Json<T[K]> } : T;',
  ].join('\n');
  const sources = new Map(
    dashboards.map((d) => [
      join(ROOT, `test/integration/__dashboard_${d.file}.ts`),
      `${header}\nexport const d: Json<Dashboard> = ${d.json};\n`,
    ]),
  );
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang) =>
    sources.has(name) ? ts.createSourceFile(name, sources.get(name)!, lang) : getSourceFile(name, lang);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => sources.has(name) || fileExists(name);
  const program = ts.createProgram([...sources.keys()], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .map(
      (d) =>
        `${d.file?.fileName.split('__dashboard_')[1] ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
    );
}

/** Grafana's own substitutions in PromQL, with the values a 6-hour range would get. */
const promql = (expr: string) =>
  expr
    .replace(/\$__rate_interval|\$\{__rate_interval\}/g, '1m')
    .replace(/\$__interval|\$\{__interval\}/g, '30s')
    .replace(/\$__range/g, '6h');

describe('provisioned Grafana dashboards (deploy/grafana)', () => {
  it('ships the fleet, dashboard-usage and pipeline-health dashboards with unique uids and panel ids', () => {
    expect(files).toEqual(['dashboard-usage.json', 'fleet.json', 'pipeline-health.json']);
    const parsed = dashboards.map((d) => JSON.parse(d.json) as { uid: string; panels: Panel[] });
    expect(new Set(parsed.map((d) => d.uid)).size).toBe(3);
    for (const d of parsed) expect(new Set(d.panels.map((p) => p.id)).size).toBe(d.panels.length);
  });

  it("type-checks against @grafana/schema's Dashboard", () => {
    expect(schemaErrors()).toEqual([]);
  }, 60_000);

  it('fails that check on a misspelt key (the check can fail)', () => {
    const original = dashboards[0].json;
    dashboards[0].json = original.replace('"schemaVersion"', '"schemaVersoin"');
    try {
      expect(schemaErrors().join('\n')).toMatch(/schemaVers(oi)?n/);
    } finally {
      dashboards[0].json = original;
    }
  }, 60_000);

  it('refers only to the provisioned datasources', () => {
    const provisioned = parse(
      readFileSync(join(ROOT, 'deploy/grafana/provisioning/datasources/usage-stats.yaml'), 'utf8'),
    ) as { datasources: Array<{ uid: string; type: string }> };
    const known = new Set(provisioned.datasources.map((d) => `${d.type}/${d.uid}`));
    const used = new Set(
      dashboards.flatMap((d) =>
        (JSON.parse(d.json) as { panels: Panel[] }).panels.flatMap((p) =>
          (p.targets ?? []).map((t) => `${t.datasource.type}/${t.datasource.uid}`),
        ),
      ),
    );
    expect([...used].filter((u) => !known.has(u))).toEqual([]);
    expect([...used].sort()).toEqual([
      'grafana-postgresql-datasource/usage-stats-postgres',
      'prometheus/usage-stats-prometheus',
    ]);
  });

  it('has PromQL that promtool parses, on metrics the API and worker expose', () => {
    const health = JSON.parse(dashboards.find((d) => d.file === 'pipeline-health.json')!.json) as { panels: Panel[] };
    const exprs = health.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr!));
    expect(exprs.length).toBeGreaterThanOrEqual(15);
    const dir = mkdtempSync(join(tmpdir(), 'promql-'));
    try {
      const rules = {
        groups: [
          {
            name: 'dashboard-expressions',
            rules: exprs.map((e, i) => ({ record: `dashboard:expr_${i}`, expr: promql(e) })),
          },
        ],
      };
      writeFileSync(join(dir, 'rules.yml'), stringify(rules));
      const out = execFileSync('promtool', ['check', 'rules', join(dir, 'rules.yml')], { encoding: 'utf8' });
      expect(out).toContain(`SUCCESS: ${exprs.length} rules found`);
      // And a broken expression is refused (the check can fail).
      writeFileSync(
        join(dir, 'bad.yml'),
        stringify({ groups: [{ name: 'bad', rules: [{ record: 'x:y', expr: 'sum(rate(x[1m])' }] }] }),
      );
      expect(() => execFileSync('promtool', ['check', 'rules', join(dir, 'bad.yml')], { stdio: 'pipe' })).toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const exposed = [
      ...readFileSync(join(ROOT, 'apps/ingest-api/src/metrics/ingest.metrics.ts'), 'utf8').matchAll(
        /name: '([a-z_]+)'/g,
      ),
      ...readFileSync(join(ROOT, 'libs/pipeline/src/pipeline.metrics.ts'), 'utf8').matchAll(
        /name: `\$\{prefix\}([a-z_]+)`/g,
      ),
      ...readFileSync(join(ROOT, 'apps/worker/src/primary/pool.supervisor.ts'), 'utf8').matchAll(/name: '([a-z_]+)'/g),
      ...readFileSync(join(ROOT, 'libs/observability/src/ledger.metrics.ts'), 'utf8').matchAll(
        /LEDGER_METRIC = '([a-z_]+)'/g,
      ),
    ].map((m) => (m[0].includes('prefix') ? `usage_stats_worker_${m[1]}` : m[1]));
    const used = new Set(
      exprs.flatMap((e) => e.match(/\b(ingest|usage_stats_worker|usage_stats_ledger)_[a-z_]+/g) ?? []),
    );
    expect(used).toContain('usage_stats_ledger_events_total');
    const base = (n: string) => n.replace(/_(bucket|sum|count)$/, '');
    expect([...used].filter((n) => !exposed.includes(n) && !exposed.includes(base(n)))).toEqual([]);
  });

  it("draws the delivery ledger's unaccounted count as the alert rule computes it, beside the lag", () => {
    const health = JSON.parse(dashboards.find((d) => d.file === 'pipeline-health.json')!.json) as { panels: Panel[] };
    const panel = health.panels.find((p) => p.title.startsWith('Delivery ledger: unaccounted events'))!;
    const rules = parse(readFileSync(join(ROOT, 'deploy/prometheus/alerts.yml'), 'utf8')) as {
      groups: Array<{ rules: Array<{ alert: string; expr: string }> }>;
    };
    const alert = rules.groups.flatMap((g) => g.rules).find((r) => r.alert === 'UsageStatsEventsUnaccounted')!;
    const flat = (e: string) => e.replace(/\s+/g, ' ').trim();
    const [unaccounted, lag] = panel.targets!.map((t) => flat(t.expr!));
    // The alert: (unaccounted - on (store) lag) >= 1.
    expect(flat(alert.expr)).toBe(`( ${unaccounted} - on (store) ${lag} ) >= 1`);
    expect(unaccounted).toContain('stage=~"written|deduplicated|dropped|dead_lettered"');
    expect(lag).toBe('sum by (store) (max by (store, topic, partition) (usage_stats_worker_consumer_lag))');
  });
});
