import { normalizeGrafanaVersion, sampleIdFor } from '@app/contracts';
import type { EventKind } from '@app/contracts';
import type { ProcessedEvent } from '../store';

/** A column's type, as its binary COPY encoding needs it (see postgres-copy). */
export type ColumnType = 'text' | 'timestamptz' | 'bool' | 'jsonb' | 'float8';

/** One target table: its columns in COPY order, the first being the unique key, and their types. */
export interface TableSpec {
  table: 'usage_reports' | 'analytics_events' | 'metric_samples';
  key: string;
  columns: readonly string[];
  types: readonly ColumnType[];
}

export type Row = readonly unknown[];

type Column = readonly [name: string, type: ColumnType];

function table(name: TableSpec['table'], columns: readonly Column[]): TableSpec {
  return { table: name, key: columns[0][0], columns: columns.map(([c]) => c), types: columns.map(([, t]) => t) };
}

const COMMON_TAIL: readonly Column[] = [
  ['source', 'jsonb'],
  ['correlation_id', 'text'],
];

export const TABLES: Record<EventKind, TableSpec> = {
  usage_report: table('usage_reports', [
    ['event_id', 'text'],
    ['received_at', 'timestamptz'],
    ['instance_id', 'text'],
    ['version', 'text'],
    ['edition', 'text'],
    ['os', 'text'],
    ['arch', 'text'],
    ['packaging', 'text'],
    ['has_valid_license', 'bool'],
    ['install_version', 'text'],
    ['database_created_at', 'timestamptz'],
    ['metrics', 'jsonb'],
    ['version_normalized', 'text'],
    ...COMMON_TAIL,
  ]),
  analytics: table('analytics_events', [
    ['event_id', 'text'],
    ['received_at', 'timestamptz'],
    ['session_uuid', 'text'],
    ['event_type', 'text'],
    ['event_time', 'timestamptz'],
    ['dashboard_uid', 'text'],
    ['dashboard_name', 'text'],
    ['dashboard_timezone', 'text'],
    ['grafana_host', 'text'],
    ['grafana_env', 'text'],
    ['grafana_version', 'text'],
    ['grafana_edition', 'text'],
    ['user_id', 'text'],
    ['user_role', 'text'],
    ['user_theme', 'text'],
    ['user_timezone', 'text'],
    ['user_locale', 'text'],
    ['variables', 'jsonb'],
    ['has_focus', 'bool'],
    ...COMMON_TAIL,
  ]),
  metrics: table('metric_samples', [
    ['sample_id', 'text'],
    ['event_id', 'text'],
    ['received_at', 'timestamptz'],
    ['job', 'text'],
    ['grouping_key', 'jsonb'],
    ['family', 'text'],
    ['metric_type', 'text'],
    ['name', 'text'],
    ['labels', 'jsonb'],
    ['value', 'float8'],
    ['op', 'text'],
    ...COMMON_TAIL,
  ]),
};

// Rules may reshape payloads, so every field is read defensively: a wrong type becomes NULL.
type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | null =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : null;
const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null);
const json = (v: unknown): unknown => (v === undefined ? null : v);
function time(v: unknown, unit: 'ms' | 's'): Date | null {
  if (typeof v !== 'number' || !Number.isFinite(v)) return null;
  const d = new Date(unit === 's' ? v * 1000 : v);
  return Number.isNaN(d.getTime()) ? null : d;
}
const SPECIAL_VALUES: Record<string, number> = { NaN: NaN, '+Inf': Infinity, '-Inf': -Infinity };
const sampleValue = (v: unknown): number | null =>
  typeof v === 'number' ? v : typeof v === 'string' && v in SPECIAL_VALUES ? SPECIAL_VALUES[v] : null;

const tail = (e: ProcessedEvent) => [e.source, e.correlationId] as const;

function usageReportRow(e: ProcessedEvent): Row {
  const p = e.payload;
  return [
    e.id,
    new Date(e.receivedAt),
    str(p.usageStatsId),
    str(p.version),
    str(p.edition),
    str(p.os),
    str(p.arch),
    str(p.packaging),
    bool(p.hasValidLicense),
    str(p.installVersion),
    time(p.databaseCreated, 'ms'),
    obj(p.metrics),
    normalizeGrafanaVersion(p.version),
    ...tail(e),
  ];
}

function analyticsRow(e: ProcessedEvent): Row {
  const p = e.payload;
  const host = obj(p.host);
  const build = obj(host.buildInfo);
  const dashboard = obj(p.dashboard);
  const user = obj(p.user);
  const theme = typeof user.lightTheme === 'boolean' ? (user.lightTheme ? 'light' : 'dark') : null;
  return [
    e.id,
    new Date(e.receivedAt),
    str(p.uuid),
    str(p.type),
    time(p.time, 's'),
    str(dashboard.uid),
    str(dashboard.name),
    str(p.timeZone),
    str(host.hostname),
    str(build.env),
    str(build.version),
    str(build.edition),
    str(user.id),
    str(user.orgRole),
    theme,
    str(user.timezone),
    str(user.locale),
    json(p.variables),
    bool(p.hasFocus),
    ...tail(e),
  ];
}

function metricRows(e: ProcessedEvent): Row[] {
  const p = e.payload;
  const families = Array.isArray(p.families) ? p.families : [];
  return families.flatMap((f) => {
    const family = obj(f);
    const samples = Array.isArray(family.samples) ? family.samples : [];
    return samples.map((s) => {
      const sample = obj(s);
      const labels = obj(sample.labels) as Record<string, string>;
      const name = str(sample.name) ?? str(family.name) ?? '';
      return [
        sampleIdFor(e.id, name, labels),
        e.id,
        new Date(e.receivedAt),
        str(p.job),
        obj(p.grouping),
        str(family.name),
        str(family.type),
        name,
        labels,
        sampleValue(sample.value),
        str(p.op),
        ...tail(e),
      ];
    });
  });
}

/** The rows one event becomes (a push becomes one row per sample). */
export function rowsOf(e: ProcessedEvent): Row[] {
  switch (e.kind) {
    case 'usage_report':
      return [usageReportRow(e)];
    case 'analytics':
      return [analyticsRow(e)];
    case 'metrics':
      return metricRows(e);
  }
}
