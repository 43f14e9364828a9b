import { Admin, ConfigResourceTypes } from 'kafkajs';

/** One partition's offsets: what is retained ([low, high)) and a chosen range within it ([start, end)). */
export interface PartitionOffsets {
  partition: number;
  /** First retained offset (older ones were deleted by retention). */
  low: string;
  /** Offset the next message will get. */
  high: string;
}

export interface PartitionRange {
  partition: number;
  /** First offset of the range. */
  start: string;
  /** First offset after the range (exclusive). */
  end: string;
}

/** Low and high watermarks of every partition of a topic, sorted by partition. */
export async function topicWatermarks(admin: Admin, topic: string): Promise<PartitionOffsets[]> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets
    .map((o) => ({ partition: o.partition, low: o.low, high: o.high }))
    .sort((a, b) => a.partition - b.partition);
}

/**
 * The offsets of a time range per partition (Kafka's offsets-for-timestamps): start is the
 * first message at or after `fromMs`; end the first at or after `toMs`, or the partition's
 * high watermark when `toMs` is absent. Captured once, so messages arriving later are never
 * part of the range.
 */
export async function offsetsForRange(
  admin: Admin,
  topic: string,
  fromMs: number,
  toMs?: number,
): Promise<PartitionRange[]> {
  const [marks, starts, ends] = await Promise.all([
    topicWatermarks(admin, topic),
    admin.fetchTopicOffsetsByTimestamp(topic, fromMs),
    toMs === undefined ? Promise.resolve(undefined) : admin.fetchTopicOffsetsByTimestamp(topic, toMs),
  ]);
  const startOf = new Map(starts.map((s) => [s.partition, s.offset]));
  const endOf = new Map((ends ?? []).map((e) => [e.partition, e.offset]));
  return marks.map((m) => {
    // The watermarks were read first: a message written since then is outside the range.
    const end = minOffset(endOf.get(m.partition) ?? m.high, m.high);
    const start = minOffset(maxOffset(startOf.get(m.partition) ?? m.high, m.low), end);
    return { partition: m.partition, start, end };
  });
}

/** The topic's `retention.ms` (undefined when infinite or not readable). */
export async function topicRetentionMs(admin: Admin, topic: string): Promise<number | undefined> {
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms'] }],
  });
  const value = described.resources[0]?.configEntries.find((e) => e.configName === 'retention.ms')?.configValue;
  const ms = Number(value);
  return value !== undefined && Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

/** Messages in the ranges. */
export function rangeSize(ranges: readonly PartitionRange[]): number {
  return ranges.reduce((n, r) => n + Math.max(0, Number(BigInt(r.end) - BigInt(r.start))), 0);
}

export function maxOffset(a: string, b: string): string {
  return BigInt(a) >= BigInt(b) ? a : b;
}

export function minOffset(a: string, b: string): string {
  return BigInt(a) <= BigInt(b) ? a : b;
}
