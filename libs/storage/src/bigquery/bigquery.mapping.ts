import { createHash } from 'node:crypto';
import { analyticsView, metricsView, usageView } from '../event-fields';
import type { ProcessedEvent } from '../store';

export interface ColumnSpec {
  name: string;
  type: 'STRING' | 'INT64' | 'BOOL' | 'TIMESTAMP' | 'JSON';
  mode?: 'NULLABLE' | 'REQUIRED' | 'REPEATED';
  description?: string;
}

/**
 * One table for every kind: common columns, then flattened columns per kind (NULL for the
 * others), and the whole processed payload as JSON. Partitioned by day on received_at.
 */
export const TABLE_SCHEMA: ColumnSpec[] = [
  {
    name: 'event_id',
    type: 'STRING',
    mode: 'REQUIRED',
    description: 'Event id (insertId of insert-mode rows); unique per event',
  },
  { name: 'kind', type: 'STRING', mode: 'REQUIRED', description: 'usage_report | analytics | metrics' },
  {
    name: 'received_at',
    type: 'TIMESTAMP',
    mode: 'REQUIRED',
    description: 'When the API accepted the event (partitioning column)',
  },
  {
    name: 'written_at',
    type: 'TIMESTAMP',
    mode: 'REQUIRED',
    description: 'When this row was written; the latest row of an event_id is current',
  },
  { name: 'correlation_id', type: 'STRING' },
  { name: 'source_route', type: 'STRING' },
  { name: 'grafana_version', type: 'STRING', description: 'Dotted Grafana version (usage_report, analytics)' },
  { name: 'instance_id', type: 'STRING', description: 'usageStatsId, pseudonymized (usage_report)' },
  { name: 'os', type: 'STRING' },
  { name: 'arch', type: 'STRING' },
  { name: 'edition', type: 'STRING' },
  { name: 'packaging', type: 'STRING' },
  { name: 'has_valid_license', type: 'BOOL' },
  { name: 'install_version', type: 'STRING' },
  { name: 'database_created', type: 'TIMESTAMP' },
  { name: 'session_id', type: 'STRING', description: 'Panel session uuid (analytics)' },
  { name: 'event_type', type: 'STRING', description: 'start | heartbeat | end (analytics)' },
  { name: 'event_time', type: 'TIMESTAMP', description: "The browser's event time (analytics)" },
  { name: 'has_focus', type: 'BOOL' },
  { name: 'dashboard_uid', type: 'STRING' },
  { name: 'dashboard_name', type: 'STRING' },
  { name: 'grafana_host', type: 'STRING' },
  { name: 'grafana_env', type: 'STRING' },
  {
    name: 'user_role',
    type: 'STRING',
    description: 'admin | editor | user, as the reference analytics server derives it',
  },
  { name: 'org_role', type: 'STRING' },
  { name: 'user_theme', type: 'STRING' },
  { name: 'user_timezone', type: 'STRING' },
  { name: 'user_locale', type: 'STRING' },
  { name: 'job', type: 'STRING', description: 'Pushgateway job (metrics)' },
  { name: 'push_op', type: 'STRING', description: 'post | put | delete | fail (metrics)' },
  { name: 'grouping', type: 'JSON', description: 'Pushgateway grouping labels (metrics)' },
  { name: 'metric_names', type: 'STRING', mode: 'REPEATED', description: 'Metric family names in the push (metrics)' },
  { name: 'sample_count', type: 'INT64', description: 'Samples in the push (metrics)' },
  { name: 'payload', type: 'JSON', mode: 'REQUIRED', description: 'The processed payload' },
];

export const PARTITION_COLUMN = 'received_at';
export const CLUSTER_COLUMNS = ['kind'];

export type Row = Record<string, string | number | boolean | string[]>;

/** RFC 3339 for a TIMESTAMP column; undefined for values BigQuery's range cannot hold. */
function timestamp(ms: number | undefined): string | undefined {
  if (ms === undefined || !Number.isFinite(ms) || ms < -62135596800000 || ms > 253402300799999) return undefined;
  return new Date(ms).toISOString();
}

function kindColumns(event: ProcessedEvent): Record<string, unknown> {
  switch (event.kind) {
    case 'usage_report': {
      const v = usageView(event.payload);
      return {
        grafana_version: v.version?.replace(/_/g, '.'),
        instance_id: v.instance,
        os: v.os,
        arch: v.arch,
        edition: v.edition,
        packaging: v.packaging,
        has_valid_license: v.hasValidLicense,
        install_version: v.installVersion,
        database_created: timestamp(v.databaseCreated),
      };
    }
    case 'analytics': {
      const v = analyticsView(event.payload);
      return {
        grafana_version: v.grafanaVersion,
        session_id: v.uuid,
        event_type: v.type,
        event_time: timestamp(v.time === undefined ? undefined : v.time * 1000),
        has_focus: v.hasFocus,
        dashboard_uid: v.dashboardUid,
        dashboard_name: v.dashboardName,
        grafana_host: v.grafanaHost,
        grafana_env: v.grafanaEnv,
        user_role: v.userRole,
        org_role: v.orgRole,
        user_theme: v.userTheme,
        user_timezone: v.userTimezone,
        user_locale: v.userLocale,
      };
    }
    case 'metrics': {
      const v = metricsView(event.payload);
      return {
        job: v.job,
        push_op: v.op,
        grouping: JSON.stringify(v.grouping),
        metric_names: v.families.map((f) => f.name),
        sample_count: v.families.reduce((n, f) => n + f.samples.length, 0),
      };
    }
    default:
      return {};
  }
}

/** The row of one event; absent values are left out (NULL). JSON columns travel as JSON text. */
export function rowFor(event: ProcessedEvent, writtenAt: number): Row {
  const row: Record<string, unknown> = {
    event_id: event.id,
    kind: event.kind,
    received_at: timestamp(event.receivedAt) ?? new Date(0).toISOString(),
    written_at: new Date(writtenAt).toISOString(),
    correlation_id: event.correlationId,
    source_route: event.source?.route,
    ...kindColumns(event),
    payload: JSON.stringify(event.payload),
  };
  return Object.fromEntries(Object.entries(row).filter(([, v]) => v !== undefined && v !== null)) as Row;
}

/**
 * BigQuery drops a streamed row whose insertId it saw in the last minute or so. Insert mode uses
 * the event id, so a re-delivery is dropped. Replace mode cannot update (streamed rows are
 * immutable while buffered), so it appends a new version whose insertId is the event id plus
 * the row's content: a retry of the same replacement dedupes, a changed one is a new row.
 */
export function insertIdFor(event: ProcessedEvent, row: Row, mode: 'insert' | 'replace'): string {
  if (mode === 'insert') return event.id;
  const { written_at: _ignored, ...content } = row;
  return `r-${createHash('sha256').update(event.id).update('\u0000').update(JSON.stringify(content)).digest('hex').slice(0, 40)}`;
}
