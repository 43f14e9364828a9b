import type { PartitionOffsets } from './offsets-for-range';
import type { TimestampPeeker } from './timestamp-peeker';
import type { TopicAdmin } from './topic-admin';

export interface RetentionInfo {
  topic: string;
  /** The topic's retention.ms; undefined when infinite. */
  retentionMs?: number;
  partitions: PartitionOffsets[];
  /** Messages retained over all partitions. */
  messages: number;
  /** Timestamp of the oldest retained message (only when asked to look at every partition). */
  oldestRetainedMs?: number;
  /**
   * The earliest time a replay can start from: older events are past the retention period,
   * or already deleted from some partition. undefined: infinite retention, nothing deleted.
   */
  reachBackMs?: number;
}

/**
 * How far back the events topic reaches. The retention period bounds a replay (older events
 * are gone or about to go), and so does a partition whose first offset is above zero: it
 * has lost its older messages, so the time of its first retained message is a bound.
 */
export async function retentionInfo(
  admin: TopicAdmin,
  topic: string,
  peeker: TimestampPeeker,
  all: boolean,
  now = Date.now(),
): Promise<RetentionInfo> {
  const [partitions, retentionMs] = await Promise.all([admin.watermarks(topic), admin.retentionMs(topic)]);
  const nonEmpty = partitions.filter((p) => BigInt(p.high) > BigInt(p.low));
  const trimmed = nonEmpty.filter((p) => BigInt(p.low) > 0n);
  const firsts = await peeker.peek((all ? nonEmpty : trimmed).map((p) => ({ partition: p.partition, offset: p.low })));
  const trimmedFirsts = trimmed.map((p) => firsts.get(p.partition)).filter((t): t is number => t !== undefined);
  const bounds = [...trimmedFirsts, ...(retentionMs !== undefined ? [now - retentionMs] : [])];
  return {
    topic,
    retentionMs,
    partitions,
    messages: partitions.reduce((n, p) => n + Number(BigInt(p.high) - BigInt(p.low)), 0),
    oldestRetainedMs: all && firsts.size > 0 ? Math.min(...firsts.values()) : undefined,
    reachBackMs: bounds.length > 0 ? Math.max(...bounds) : undefined,
  };
}
