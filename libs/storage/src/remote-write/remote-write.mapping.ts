import { metricsView, pushedLabels, usageView } from '../event-fields';
import type { Series } from './remote-write.proto';
import type { ProcessedEvent } from '../store';

/** Prometheus metric names: [a-zA-Z_:][a-zA-Z0-9_:]*. */
export function sanitizeMetricName(name: string): string {
  const clean = name.replace(/[^a-zA-Z0-9_:]/g, '_');
  return /^[0-9]/.test(clean) ? `_${clean}` : clean;
}

/** Prometheus label names: [a-zA-Z_][a-zA-Z0-9_]*. */
export function sanitizeLabelName(name: string): string {
  const clean = name.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(clean) ? `_${clean}` : clean;
}

/** "stats.dashboards.count" -> "grafana_usage_stats_dashboards_count". */
export function usageMetricName(metric: string): string {
  return sanitizeMetricName(`grafana_usage_${metric}`);
}

/**
 * A label set as remote write requires it: valid names, no empty values (an empty value means
 * "no label" in Prometheus), each name once (the last wins), sorted by name.
 */
export function normalizeLabels(name: string, labels: Record<string, string | undefined>): Series['labels'] {
  const byName = new Map<string, string>();
  for (const [k, v] of Object.entries(labels)) {
    const key = sanitizeLabelName(k);
    // Names starting with "__" are reserved for Prometheus itself.
    if (v === undefined || v === '' || key === '' || key.startsWith('__')) continue;
    byName.set(key, v);
  }
  byName.set('__name__', sanitizeMetricName(name));
  return [...byName].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([n, value]) => ({ name: n, value }));
}

/**
 * Collects samples by series. Every series goes to the receiver once per batch with its samples
 * in time order and one sample per timestamp, because receivers refuse out-of-order and
 * conflicting samples (Prometheus rejects the whole request for one).
 */
interface SeriesEntry {
  labels: Series['labels'];
  samples: Map<number, number>;
  events: Set<string>;
}

export class SeriesSet {
  private readonly series = new Map<string, SeriesEntry>();

  /** `eventId`: the event the sample came from, so a series the receiver refuses can be traced back. */
  add(labels: Series['labels'], value: number, timestamp: number, eventId?: string): void {
    const key = labels.map((l) => `${l.name}\u0000${l.value}`).join('\u0001');
    const entry = this.series.get(key) ?? { labels, samples: new Map<number, number>(), events: new Set<string>() };
    entry.samples.set(timestamp, value);
    if (eventId !== undefined) entry.events.add(eventId);
    this.series.set(key, entry);
  }

  get size(): number {
    return this.series.size;
  }

  list(): Series[] {
    return this.entries().map((e) => e.series);
  }

  /** Each series with the ids of the events that contributed samples to it. */
  entries(): Array<{ series: Series; events: string[] }> {
    return [...this.series.values()].map((s) => ({
      series: {
        labels: s.labels,
        samples: [...s.samples].sort(([a], [b]) => a - b).map(([timestamp, value]) => ({ value, timestamp })),
      },
      events: [...s.events],
    }));
  }
}

/** Usage report metrics as gauges at the time the report arrived, labelled with the instance. */
export function addUsageSeries(set: SeriesSet, event: ProcessedEvent): void {
  const v = usageView(event.payload);
  const labels = {
    instance: v.instance,
    version: v.normalizedVersion,
    edition: v.edition,
    os: v.os,
    arch: v.arch,
    packaging: v.packaging,
  };
  for (const [metric, value] of v.numericMetrics) {
    set.add(normalizeLabels(usageMetricName(metric), labels), value, event.receivedAt, event.id);
  }
}

/** Pushed samples pass through (name, labels, value), stamped with the receive time. */
export function addPushedSeries(set: SeriesSet, event: ProcessedEvent): void {
  const view = metricsView(event.payload);
  for (const family of view.families) {
    for (const sample of family.samples) {
      set.add(normalizeLabels(sample.name, pushedLabels(view, sample)), sample.value, event.receivedAt, event.id);
    }
  }
}
