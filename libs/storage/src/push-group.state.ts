import { canonicalJson } from '@app/contracts';
import { metricsView, pushedLabels } from './event-fields';
import type { ProcessedEvent } from './store';

/** The two gauges the Pushgateway adds to every group (storage/diskmetricstore.go). */
export const PUSH_TIME = 'push_time_seconds';
export const PUSH_FAILURE_TIME = 'push_failure_time_seconds';
const GATEWAY_FAMILIES = new Set([PUSH_TIME, PUSH_FAILURE_TIME]);

/** One series of a group as the Pushgateway exposes it. */
export interface GroupSample {
  family: string;
  type: string;
  name: string;
  /** Every label of the series: the sample's own, then job and the grouping key (which win). */
  labels: Record<string, string>;
  value: number;
  /** Unix ms of the push that last wrote this family. */
  pushedAt: number;
}

export type GroupOp = 'put' | 'post' | 'delete' | 'fail';

/** A push, a deletion or a refused push of one group, read from a `metrics` event. */
export interface GroupEvent {
  id: string;
  receivedAt: number;
  op: GroupOp;
  /** The group's identity: job and grouping key (the same string as the event's Kafka key). */
  key: string;
  job: string;
  grouping: Record<string, string>;
  /** Pushed families by name (the last of a name wins, as in the Pushgateway), without the gateway's own two. */
  families: Map<string, GroupSample[]>;
}

export interface GroupState {
  key: string;
  job: string;
  grouping: Record<string, string>;
  /** receivedAt of the newest event applied: an older (replayed) event never overwrites a newer state. */
  lastReceivedAt: number;
  /** false after a DELETE: kept as a tombstone so that an older replayed push cannot bring the group back. */
  exists: boolean;
  /** Unix ms of the last successful PUT/POST; 0 if none (as the Pushgateway exposes it). */
  pushTime: number;
  /** Unix ms of the last refused push; 0 if none. */
  pushFailureTime: number;
  families: Map<string, GroupSample[]>;
}

const OPS = new Set<string>(['put', 'post', 'delete', 'fail']);

/** The group identity: canonical JSON of job and grouping key, as the API keys the event in Kafka. */
export function groupKeyOf(job: string, grouping: Record<string, string>): string {
  return canonicalJson({ job, grouping });
}

const seriesKeys = new WeakMap<object, string>();

/** A sample read back with its stored series key: spares recomputing it from the labels. */
export function withSeriesKey<T extends object>(sample: T, key: string): T {
  seriesKeys.set(sample, key);
  return sample;
}

/** The series identity inside a group: name and labels (computed once per sample object). */
export function seriesKeyOf(sample: Pick<GroupSample, 'name' | 'labels'>): string {
  let key = seriesKeys.get(sample);
  if (key === undefined) {
    // JSON escapes every control character, so the key survives storage unchanged (no raw NUL).
    key = canonicalJson([sample.name, sample.labels]);
    seriesKeys.set(sample, key);
  }
  return key;
}

/** Reads a `metrics` event defensively (rules may reshape it); undefined when it names no job or op. */
export function groupEventOf(event: ProcessedEvent): GroupEvent | undefined {
  if (event.kind !== 'metrics') return undefined;
  const view = metricsView(event.payload);
  if (!view.job || !view.op || !OPS.has(view.op)) return undefined;
  const families = new Map<string, GroupSample[]>();
  for (const family of view.families) {
    if (GATEWAY_FAMILIES.has(family.name)) continue;
    const series = new Map<string, GroupSample>();
    for (const s of family.samples) {
      const sample = {
        family: family.name,
        type: family.type,
        name: s.name,
        labels: pushedLabels(view, s),
        value: s.value,
        pushedAt: event.receivedAt,
      };
      series.set(seriesKeyOf(sample), sample);
    }
    families.set(family.name, [...series.values()]);
  }
  return {
    id: event.id,
    receivedAt: event.receivedAt,
    op: view.op as GroupOp,
    key: groupKeyOf(view.job, view.grouping),
    job: view.job,
    grouping: view.grouping,
    families,
  };
}

function emptyState(event: GroupEvent): GroupState {
  return {
    key: event.key,
    job: event.job,
    grouping: event.grouping,
    lastReceivedAt: event.receivedAt,
    exists: false,
    pushTime: 0,
    pushFailureTime: 0,
    families: new Map(),
  };
}

/**
 * The Pushgateway's processWriteRequest / setPushFailedTimestamp as a pure step: PUT replaces
 * every family, POST the families of the pushed names, DELETE removes the group; a successful
 * push sets push_time_seconds and keeps an earlier failure time; a refused push sets the
 * failure time (creating the group with push time 0 if it did not exist). Events older than
 * the state are skipped (`applied: false`).
 */
export function applyGroupEvent(
  state: GroupState | undefined,
  event: GroupEvent,
): { state: GroupState; applied: boolean } {
  if (state && event.receivedAt < state.lastReceivedAt) return { state, applied: false };
  const base = state?.exists ? state : emptyState(event);
  const next: GroupState = { ...base, lastReceivedAt: event.receivedAt };
  switch (event.op) {
    case 'delete':
      return { state: emptyState(event), applied: true };
    case 'fail':
      return { state: { ...next, exists: true, pushFailureTime: event.receivedAt }, applied: true };
    case 'put':
      return {
        state: { ...next, exists: true, pushTime: event.receivedAt, families: new Map(event.families) },
        applied: true,
      };
    case 'post':
      return {
        state: {
          ...next,
          exists: true,
          pushTime: event.receivedAt,
          families: new Map([...base.families, ...event.families]),
        },
        applied: true,
      };
  }
}

function gatewayGauge(state: GroupState, name: string, ms: number): GroupSample {
  const pushedAt = ms || state.lastReceivedAt;
  return {
    family: name,
    type: 'gauge',
    name,
    labels: { job: state.job, ...state.grouping },
    value: ms / 1000,
    pushedAt,
  };
}

/** Every series the group exposes now, the gateway's two gauges included; none once deleted. */
export function groupSamples(state: GroupState): GroupSample[] {
  if (!state.exists) return [];
  const pushed = [...state.families.values()].flat();
  return [
    ...pushed,
    gatewayGauge(state, PUSH_TIME, state.pushTime),
    gatewayGauge(state, PUSH_FAILURE_TIME, state.pushFailureTime),
  ];
}

/** Series `before` exposed that `after` does not (what a PUT, POST or DELETE removed). */
export function removedSeries(before: GroupSample[], after: GroupSample[]): GroupSample[] {
  const kept = new Set(after.map(seriesKeyOf));
  return before.filter((s) => !kept.has(seriesKeyOf(s)));
}

/** Events in the order they were received (stable for equal times: batch order is partition order). */
export function inReceiveOrder<T extends { receivedAt: number }>(events: T[]): T[] {
  return events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.receivedAt - b.e.receivedAt || a.i - b.i)
    .map(({ e }) => e);
}
