import type { StorageType } from '@app/config';
import type { EventKind } from '@app/contracts';
import { maxOffset, PartitionRange, rangeSize, retentionInfo, TimestampPeeker, TopicAdmin } from '@app/kafka/admin';
import type { CliContext } from '../cli-context';
import { UsageError } from '../cli-errors';
import { isoTime } from '../output/format';
import { decodeRangeMetadata, replayGroupId } from './replay-group';

export interface ReplayRequest {
  /** As typed (they name the replay's group); fromMs/toMs are what they meant at `now`. */
  from: string;
  to?: string;
  fromMs: number;
  toMs: number;
  now: number;
  kinds?: EventKind[];
  store: StorageType;
  dryRun: boolean;
  maxRate?: number;
}

export interface ReplayPlan {
  groupId: string;
  fromMs: number;
  toMs: number;
  /** The whole range per partition, as captured when the replay first started. */
  ranges: PartitionRange[];
  /** What is left of it: [position, end) per partition. */
  remaining: PartitionRange[];
  total: number;
  /** Messages an earlier, interrupted run already did. */
  before: number;
  resumed: boolean;
}

export async function requireTopic(admin: TopicAdmin, topic: string): Promise<void> {
  if (!(await admin.hasTopic(topic)))
    throw new Error(`topic ${topic} does not exist (create it with \`usage-stats topics\`)`);
}

/**
 * The offsets a replay reads. A replay interrupted earlier is found by its group (named after
 * the arguments) and continues with its recorded range; a new one checks the time range
 * against retention and captures the range's offsets now.
 */
export async function planReplay(
  ctx: CliContext,
  request: ReplayRequest,
  peeker: TimestampPeeker,
): Promise<ReplayPlan> {
  const admin = await ctx.admin();
  const topic = ctx.config.kafka.topic;
  await requireTopic(admin, topic);
  const groupId = request.dryRun
    ? ctx.throwawayGroup('dry-run')
    : replayGroupId({
        groupPrefix: ctx.config.kafka.consumerGroup,
        topic,
        store: request.store,
        kinds: request.kinds,
        from: request.from,
        to: request.to,
      });
  const resumed = request.dryRun ? undefined : await resumedPlan(admin, topic, groupId);
  if (resumed) return resumed;

  const info = await retentionInfo(admin, topic, peeker, false, request.now);
  if (info.reachBackMs !== undefined && request.fromMs < info.reachBackMs) {
    const hours = info.retentionMs === undefined ? 'infinite' : `${Math.round(info.retentionMs / 3_600_000)} h`;
    throw new UsageError(
      `--from ${JSON.stringify(request.from)} (${isoTime(request.fromMs)}) is outside the retention of ${topic} (retention ${hours}): ` +
        `the oldest time a replay can reach is ${isoTime(info.reachBackMs)}`,
    );
  }
  const ranges = await admin.offsetsForRange(
    topic,
    request.fromMs,
    request.toMs >= request.now ? undefined : request.toMs,
  );
  return {
    groupId,
    fromMs: request.fromMs,
    toMs: request.toMs,
    ranges,
    remaining: ranges,
    total: rangeSize(ranges),
    before: 0,
    resumed: false,
  };
}

/** The plan an interrupted run left in its group's committed offsets and their metadata. */
async function resumedPlan(admin: TopicAdmin, topic: string, groupId: string): Promise<ReplayPlan | undefined> {
  const committed = await admin.committedOffsets(groupId, topic);
  const entries = committed.map((p) => ({
    partition: p.partition,
    offset: p.offset,
    meta: decodeRangeMetadata(p.metadata),
  }));
  const first = entries.find((e) => e.meta)?.meta;
  if (!first) return undefined;
  // Partitions added since the replay started have no recorded range: nothing of them is in it.
  const ranges = entries.map((e) => ({ partition: e.partition, start: e.meta?.start ?? '0', end: e.meta?.end ?? '0' }));
  const remaining = entries.map((e, i) => ({
    ...ranges[i],
    start: e.meta && BigInt(e.offset) >= 0n ? maxOffset(e.offset, ranges[i].start) : ranges[i].end,
  }));
  const total = rangeSize(ranges);
  return {
    groupId,
    fromMs: first.fromMs,
    toMs: first.toMs,
    ranges,
    remaining,
    total,
    before: total - rangeSize(remaining),
    resumed: true,
  };
}
