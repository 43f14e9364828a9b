import { createHash } from 'node:crypto';
import { analyticsView, FamilyView, metricsView, pushedLabels, usageView } from '../event-fields';
import { FieldValue, fromMillis, Point, Precision, PRECISION_PER_SECOND } from './line-protocol';
import type { ProcessedEvent } from '../store';

/**
 * Events to InfluxDB points (documented in docs/stores.md). A point is identified by
 * measurement + tag set + timestamp, so every timestamp here is derived from the event itself:
 * a replay rewrites the same points instead of adding new ones.
 */
export function pointsFor(event: ProcessedEvent, precision: Precision): Point[] {
  switch (event.kind) {
    case 'usage_report':
      return [usagePoint(event, precision)];
    case 'analytics':
      return [analyticsPoint(event, precision)];
    case 'metrics':
      return metricsPoints(event, precision);
    default:
      return [];
  }
}

function definedTags(tags: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(tags).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''),
  );
}

function usagePoint(event: ProcessedEvent, precision: Precision): Point {
  const v = usageView(event.payload);
  const fields: Record<string, FieldValue> = { numeric_metrics: { int: v.numericMetrics.length } };
  for (const [name, value] of v.numericMetrics) fields[name] = value;
  return {
    measurement: 'grafana_usage_report',
    tags: definedTags({
      version: v.normalizedVersion,
      edition: v.edition,
      os: v.os,
      arch: v.arch,
      packaging: v.packaging,
      instance: v.instance,
    }),
    fields,
    timestamp: fromMillis(event.receivedAt, precision),
  };
}

/**
 * Panel events are placed at their own time (whole seconds) plus a sub-second offset derived
 * from the event id: two sessions on the same dashboard in the same second stay two points,
 * while a replay of one event lands on exactly its earlier point.
 */
export function analyticsTimestamp(event: ProcessedEvent, time: number | undefined, precision: Precision): bigint {
  if (time === undefined) return fromMillis(event.receivedAt, precision);
  const perSecond = BigInt(PRECISION_PER_SECOND[precision]);
  const offset = BigInt(`0x${createHash('sha256').update(event.id).digest('hex').slice(0, 15)}`) % perSecond;
  return BigInt(Math.floor(time)) * perSecond + offset;
}

function analyticsPoint(event: ProcessedEvent, precision: Precision): Point {
  const v = analyticsView(event.payload);
  const fields: Record<string, FieldValue> = { events: { int: 1 } };
  if (v.uuid !== undefined) fields.session_id = v.uuid;
  if (v.hasFocus !== undefined) fields.has_focus = v.hasFocus;
  return {
    measurement: 'grafana_analytics',
    tags: definedTags({
      event_type: v.type,
      dashboard_uid: v.dashboardUid,
      dashboard_name: v.dashboardName,
      dashboard_timezone: v.dashboardTimezone,
      grafana_host: v.grafanaHost,
      grafana_env: v.grafanaEnv,
      grafana_version: v.grafanaVersion,
      user_role: v.userRole,
      org_role: v.orgRole,
      user_theme: v.userTheme,
      user_timezone: v.userTimezone,
      user_locale: v.userLocale,
    }),
    fields,
    timestamp: analyticsTimestamp(event, v.time, precision),
  };
}

/**
 * The field a sample becomes, as InfluxDB's Prometheus parser (metric_version 1) names them:
 * counter/gauge/untyped values, and for summaries and histograms one point per label set with
 * count, sum and one field per quantile or bucket bound.
 */
export function fieldFor(family: FamilyView, sampleName: string, labels: Record<string, string>): string {
  switch (family.type) {
    case 'counter':
      return 'counter';
    case 'gauge':
      return 'gauge';
    case 'summary':
    case 'histogram': {
      const bound = family.type === 'summary' ? labels.quantile : labels.le;
      const suffix = sampleName.startsWith(`${family.name}_`) ? sampleName.slice(family.name.length + 1) : '';
      if (suffix === 'sum' || suffix === 'count' || suffix === 'created') return suffix;
      return bound ?? (suffix || 'value');
    }
    default:
      return 'value';
  }
}

function metricsPoints(event: ProcessedEvent, precision: Precision): Point[] {
  const view = metricsView(event.payload);
  const timestamp = fromMillis(event.receivedAt, precision);
  const points = new Map<string, Point>();
  for (const family of view.families) {
    for (const sample of family.samples) {
      const labels = pushedLabels(view, sample);
      const field = fieldFor(family, sample.name, sample.labels);
      // Quantile and bucket bounds are fields, not tags, so they share one point.
      const tags = { ...labels };
      if (family.type === 'summary') delete tags.quantile;
      if (family.type === 'histogram') delete tags.le;
      const key = `${family.name}\u0000${JSON.stringify(Object.entries(tags).sort())}`;
      const point = points.get(key) ?? { measurement: family.name, tags, fields: {}, timestamp };
      point.fields[field] = sample.value;
      points.set(key, point);
    }
  }
  return [...points.values()];
}
