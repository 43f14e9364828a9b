import {
  applyGroupEvent,
  GroupEvent,
  groupEventOf,
  groupSamples,
  GroupSample,
  GroupState,
  inReceiveOrder,
  PUSH_FAILURE_TIME,
  PUSH_TIME,
  removedSeries,
  seriesKeyOf,
} from '../push-group.state';
import { normalizeLabels, SeriesSet } from './remote-write.mapping';
import type { ProcessedEvent } from '../store';

/**
 * Prometheus' staleness marker: a NaN with this exact bit pattern (value.StaleNaN) ends a
 * series at once instead of after the 5-minute lookback. Built from its bits because the
 * NaN literal has another payload.
 */
const STALE_NAN_BITS = 0x7ff0000000000002n;
const bits = new DataView(new ArrayBuffer(8));
bits.setBigUint64(0, STALE_NAN_BITS);
export const STALE_NAN = bits.getFloat64(0);

export function isStaleNaN(value: number): boolean {
  bits.setFloat64(0, value);
  return bits.getBigUint64(0) === STALE_NAN_BITS;
}

const isGatewayGauge = (s: GroupSample) => s.family === PUSH_TIME || s.family === PUSH_FAILURE_TIME;

export interface PreparedPushGroups {
  /** Adds the gateway gauges and staleness markers of the batch to the series to send. */
  addTo(set: SeriesSet): void;
  /** The batch reached the receiver: its group states become the base of the next batch. */
  commit(): Promise<void>;
}

/**
 * Where group states outlive the process (restarts, partitions moving to another process).
 * Best effort: a failing memory only costs markers, never the batch.
 */
export interface PushGroupMemory {
  load(keys: string[]): Promise<Map<string, GroupState>>;
  save(states: GroupState[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * What remote write adds for Pushgateway group semantics: push_time_seconds and
 * push_failure_time_seconds with every push, and a staleness marker for every series a PUT,
 * POST (same-name family) or DELETE removed from its group.
 *
 * Knowing what a push removed needs the group's previous series, kept here in memory and, when
 * a `PushGroupMemory` is given, in it (Redis), so a restart or a partition moving to another
 * process does not lose them. A group's events share a Kafka key, so one process sees them in
 * order. Without the memory (or with it unreachable) a group's first push after a restart sends
 * no markers: its removed series then end after the lookback, as before. Memory is bounded:
 * beyond `maxGroups` the least recently pushed groups are forgotten here (the memory still has them).
 */
export class PushGroupTracker {
  private readonly groups = new Map<string, GroupState>();

  constructor(
    private readonly maxGroups = 50_000,
    private readonly memory?: PushGroupMemory,
  ) {}

  get size(): number {
    return this.groups.size;
  }

  async prepare(events: ProcessedEvent[]): Promise<PreparedPushGroups> {
    const groupEvents = events.map(groupEventOf).filter((e): e is GroupEvent => e !== undefined);
    const known = await this.recall(groupEvents.map((e) => e.key));
    const next = new Map<string, GroupState>();
    // Each sample remembers its event, so a series the receiver refuses can be traced back to it.
    const gauges: Array<{ sample: GroupSample; at: number; eventId: string }> = [];
    const markers = new Map<string, { sample: GroupSample; at: number; eventId: string }>();
    for (const event of inReceiveOrder(groupEvents)) {
      const before = next.get(event.key) ?? known.get(event.key);
      const { state, applied } = applyGroupEvent(before, event);
      if (!applied) continue;
      if (!before && event.op === 'fail') {
        // Unknown group: its last push time is unknown too, and writing 0 would be a false "never pushed".
        const failure = groupSamples(state).filter((s) => s.family === PUSH_FAILURE_TIME);
        gauges.push(...failure.map((sample) => ({ sample, at: event.receivedAt, eventId: event.id })));
        continue;
      }
      next.set(event.key, state);
      const at = event.receivedAt;
      const own = groupSamples(state).filter(isGatewayGauge);
      // A series this event writes at the same instant as an earlier event removed it is not stale.
      for (const sample of [...[...event.families.values()].flat(), ...own])
        markers.delete(`${seriesKeyOf(sample)}\u0000${at}`);
      for (const sample of removedSeries(before ? groupSamples(before) : [], groupSamples(state))) {
        markers.set(`${seriesKeyOf(sample)}\u0000${at}`, { sample, at, eventId: event.id });
      }
      gauges.push(...own.map((sample) => ({ sample, at, eventId: event.id })));
    }
    return {
      addTo: (set) => {
        for (const { sample, at, eventId } of gauges)
          set.add(normalizeLabels(sample.name, sample.labels), sample.value, at, eventId);
        for (const { sample, at, eventId } of markers.values()) {
          set.add(normalizeLabels(sample.name, sample.labels), STALE_NAN, at, eventId);
        }
      },
      commit: () => this.commit(next),
    };
  }

  /**
   * The states of these groups: the newer of this process' own and the memory's (after a
   * partition moved away and back, another process may have pushed the group meanwhile).
   */
  private async recall(keys: string[]): Promise<Map<string, GroupState>> {
    const unique = [...new Set(keys)];
    const known = new Map<string, GroupState>();
    for (const key of unique) {
      const state = this.groups.get(key);
      if (state) known.set(key, state);
    }
    if (!this.memory || unique.length === 0) return known;
    const loaded = await this.memory.load(unique).catch(() => new Map<string, GroupState>());
    for (const [key, state] of loaded) {
      if (state.lastReceivedAt > (known.get(key)?.lastReceivedAt ?? -Infinity)) known.set(key, state);
    }
    return known;
  }

  private async commit(next: Map<string, GroupState>): Promise<void> {
    this.remember(next);
    await this.memory?.save([...next.values()]).catch(() => undefined);
  }

  private remember(next: Map<string, GroupState>): void {
    // delete-then-set keeps the map in last-pushed order, oldest first, for the eviction below.
    for (const [key, state] of next) {
      this.groups.delete(key);
      this.groups.set(key, state);
    }
    for (const key of this.groups.keys()) {
      if (this.groups.size <= this.maxGroups) break;
      this.groups.delete(key);
    }
  }
}
