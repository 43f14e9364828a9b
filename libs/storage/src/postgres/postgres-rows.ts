import { normalizeGrafanaVersion, sampleIdFor } from '@app/contracts';
import type { EventKind } from '@app/contracts';
import type { ProcessedEvent } from '../store';

/** One target table: its columns in COPY order, the first being the unique key. */
export interface TableSpec {
  table: 'usage_reports' | 'analytics_events' | 'metric_samples';
  key: string;
  columns: readonly string[];
}

export type Row = readonly unknown[];

const COMMON_TAIL = ['source', 'correlation_id'] as const;

export const TABLES: Record<EventKind, TableSpec> = {
  usage_report: {
    table: 'usage_reports',
    key: 'event_id',
    columns: [
      'event_id',
      'received_at',
      'instance_id',
      'version',
      'edition',
      'os',
      'arch',
      'packaging',
      'has_valid_license',
      'install_version',
      'database_created_at',
      'metrics',
      'version_normalized',
      ...COMMON_TAIL,
    ],
  },
  analytics: {
    table: 'analytics_events',
    key: 'event_id',
    columns: [
      'event_id',
      'received_at',
      'session_uuid',
      'event_type',
      'event_time',
      'dashboard_uid',
      'dashboard_name',
      'dashboard_timezone',
      'grafana_host',
      'grafana_env',
      'grafana_version',
      'grafana_edition',
      'user_id',
      'user_role',
      'user_theme',
      'user_timezone',
      'user_locale',
      'variables',
      'has_focus',
      ...COMMON_TAIL,
    ],
  },
  metrics: {
    table: 'metric_samples',
    key: 'sample_id',
    columns: [
      'sample_id',
      'event_id',
      'received_at',
      'job',
      'grouping_key',
      'family',
      'metric_type',
      'name',
      'labels',
      'value',
      'op',
      ...COMMON_TAIL,
    ],
  },
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
