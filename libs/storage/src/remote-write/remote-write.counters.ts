import { analyticsView, AnalyticsView } from '../event-fields';
import { normalizeLabels } from './remote-write.mapping';
import type { Series } from './remote-write.proto';
import type { ProcessedEvent } from '../store';

export const SESSIONS_TOTAL = 'grafana_analytics_sessions_total';
export const SESSION_SECONDS_TOTAL = 'grafana_analytics_sessions_duration_seconds_total';

/** Longest gap between two events of one session that still counts as viewing time. */
const MAX_GAP_SECONDS = 86_400;

export interface CounterSeries {
  /** Identifies the series across batches (metric + labels). */
  key: string;
  series: Series;
}

export interface PreparedCounters {
  series: CounterSeries[];
  /** These series reached the receiver: their zero sample is never sent again. */
  markWritten(keys: Iterable<string>): void;
  /** The whole batch is stored: the new totals become the base of the next batch. */
  commit(): void;
}

interface Delta {
  labels: Record<string, string | undefined>;
  sessions: number;
  seconds: number;
}

/**
 * Cumulative counters of panel sessions and session seconds, like the reference analytics
 * server exports them (remote write carries samples, not increments, so someone must keep the
 * running total: this process does).
 *
 * - Each process writes its own series, told apart by the `writer` label, so processes never
 *   overwrite each other's totals; sum over `writer` (rate/increase handle a restart's reset).
 * - A series starts with a 0 sample so increase() sees its first increment.
 * - Samples are stamped with the write time, strictly increasing, so receivers never see
 *   them out of order.
 * - Totals move only when a batch is stored (commit), and event ids already counted are
 *   skipped, so retries and re-deliveries to this process do not count twice.
 * - Session seconds are the gaps between a session's consecutive events (its events share a
 *   Kafka key, so they reach one process in order); a session first seen mid-way adds 0.
 */
export class SessionCounters {
  private readonly totals = new Map<string, { sessions: number; seconds: number }>();
  private readonly announced = new Set<string>();
  private readonly sessions = new Map<string, { time: number; seenAt: number }>();
  private readonly counted = new Map<string, number>();
  private lastTimestamp = 0;

  constructor(
    private readonly writer: string,
    private readonly userLabels: boolean,
    private readonly ttlMs = 3_600_000,
    private readonly maxTracked = 200_000,
  ) {}

  prepare(events: ProcessedEvent[], now: number): PreparedCounters {
    const timestamp = Math.max(now, this.lastTimestamp + 1);
    this.lastTimestamp = timestamp;
    const deltas = new Map<string, Delta>();
    const sessionUpdates = new Map<string, number | null>();
    const ids = new Set<string>();
    for (const event of events) {
      if (event.kind !== 'analytics' || this.counted.has(event.id) || ids.has(event.id)) continue;
      ids.add(event.id);
      const v = analyticsView(event.payload);
      const labels = this.labelsOf(v);
      const key = JSON.stringify(normalizeLabels('', labels));
      const delta = deltas.get(key) ?? { labels, sessions: 0, seconds: 0 };
      if (v.type === 'start') delta.sessions += 1;
      delta.seconds += this.gapSeconds(v, sessionUpdates);
      deltas.set(key, delta);
      if (v.uuid !== undefined && v.time !== undefined) sessionUpdates.set(v.uuid, v.type === 'end' ? null : v.time);
    }
    const series = [...deltas].flatMap(([key, d]) => this.seriesOf(key, d, timestamp));
    return {
      series,
      markWritten: (keys) => {
        for (const k of keys) this.announced.add(k);
      },
      commit: () => this.commit(deltas, sessionUpdates, ids, now),
    };
  }

  private labelsOf(v: AnalyticsView): Record<string, string | undefined> {
    return {
      grafana_host: v.grafanaHost,
      grafana_env: v.grafanaEnv,
      dashboard_name: v.dashboardName,
      dashboard_uid: v.dashboardUid,
      dashboard_timezone: v.dashboardTimezone,
      user_login: this.userLabels ? v.userLogin : undefined,
      user_name: this.userLabels ? v.userName : undefined,
      user_theme: v.userTheme,
      user_timezone: v.userTimezone,
      user_locale: v.userLocale,
      user_role: v.userRole,
      writer: this.writer,
    };
  }

  private gapSeconds(v: AnalyticsView, pending: Map<string, number | null>): number {
    if (v.type === 'start' || v.uuid === undefined || v.time === undefined) return 0;
    const last = pending.has(v.uuid) ? pending.get(v.uuid) : this.sessions.get(v.uuid)?.time;
    if (last === undefined || last === null) return 0;
    return Math.min(Math.max(v.time - last, 0), MAX_GAP_SECONDS);
  }

  private seriesOf(key: string, d: Delta, timestamp: number): CounterSeries[] {
    const base = this.totals.get(key) ?? { sessions: 0, seconds: 0 };
    return [
      this.counter(SESSIONS_TOTAL, key, d.labels, base.sessions + d.sessions, timestamp),
      this.counter(SESSION_SECONDS_TOTAL, key, d.labels, base.seconds + d.seconds, timestamp),
    ];
  }

  private counter(
    name: string,
    labelKey: string,
    labels: Delta['labels'],
    value: number,
    timestamp: number,
  ): CounterSeries {
    const key = `${name}${labelKey}`;
    const samples = this.announced.has(key) ? [] : [{ value: 0, timestamp: timestamp - 1 }];
    samples.push({ value, timestamp });
    return { key, series: { labels: normalizeLabels(name, labels), samples } };
  }

  private commit(
    deltas: Map<string, Delta>,
    sessionUpdates: Map<string, number | null>,
    ids: Set<string>,
    now: number,
  ): void {
    for (const [key, d] of deltas) {
      const t = this.totals.get(key) ?? { sessions: 0, seconds: 0 };
      this.totals.set(key, { sessions: t.sessions + d.sessions, seconds: t.seconds + d.seconds });
    }
    // delete-then-set keeps each map in last-seen order, which prune() relies on.
    for (const [uuid, time] of sessionUpdates) {
      this.sessions.delete(uuid);
      if (time !== null) this.sessions.set(uuid, { time, seenAt: now });
    }
    for (const id of ids) this.counted.set(id, now);
    this.prune(now);
  }

  /** Bounded memory: forget sessions and counted ids after the TTL, oldest first beyond the cap. */
  private prune(now: number): void {
    for (const map of [this.sessions, this.counted] as Array<Map<string, unknown>>) {
      for (const [k, v] of map) {
        const seenAt = typeof v === 'number' ? v : (v as { seenAt: number }).seenAt;
        if (seenAt >= now - this.ttlMs && map.size <= this.maxTracked) break;
        map.delete(k);
      }
    }
  }
}
