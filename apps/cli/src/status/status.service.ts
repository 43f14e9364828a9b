import {
  CommittedOffset,
  PartitionOffsets,
  retentionInfo,
  RetentionInfo,
  TimestampPeeker,
  TopicAdmin,
} from '@app/kafka/admin';
import type { HeldPartition } from '@app/pipeline';
import type { CliContext } from '../cli-context';
import { guardHolds } from '../dlq/guard-release';
import { requireTopic } from '../replay/replay-plan';
import { decodeRangeMetadata, REPLAY_GROUP_MARK } from '../replay/replay-group';

export interface GroupStatus {
  group: string;
  role: 'live' | 'replay';
  /** Kafka's group state (Stable: consuming; Empty: no member; Dead: unknown to Kafka). */
  state: string;
  members: number;
  /** Live: messages not consumed yet. Replay: messages of its range still to do. */
  lagMessages: number;
  /** Live: age of the oldest message not consumed yet (0 when caught up). */
  lagSeconds?: number;
  replay?: { total: number; done: number; from: string; to: string };
}

export interface StatusReport {
  topic: string;
  retention: Omit<RetentionInfo, 'partitions' | 'topic'>;
  partitions: number;
  deadLetters: number;
  groups: GroupStatus[];
  /** Partitions the mass dead-letter guard holds; undefined when Redis cannot be asked. */
  held?: HeldPartition[];
}

/** `usage-stats status`: lag of every group reading the events topic, and how far back the topic reaches. */
export class StatusService {
  constructor(private readonly ctx: CliContext) {}

  async report(now = Date.now()): Promise<StatusReport> {
    const admin = await this.ctx.admin();
    const { topic, deadLetterTopic } = this.ctx.config.kafka;
    await requireTopic(admin, topic);
    const peeker = new TimestampPeeker(this.ctx.kafka, topic, this.ctx.groupName('status'), this.ctx.logger);
    try {
      const info = await retentionInfo(admin, topic, peeker, true, now);
      const groups: GroupStatus[] = [];
      for (const [group, committed] of await this.groupsOf(admin, topic)) {
        groups.push(await this.statusOf(admin, group, committed, info.partitions, peeker, now));
      }
      const { partitions, topic: _t, ...retention } = info;
      const held = await this.held();
      const deadLetters = await this.size(admin, deadLetterTopic);
      return { topic, retention, partitions: partitions.length, deadLetters, groups, held };
    } finally {
      await peeker.close();
    }
  }

  /** The configured stores' groups, and every other `<prefix>-*` group with offsets on the topic (replays). */
  private async groupsOf(admin: TopicAdmin, topic: string): Promise<Map<string, CommittedOffset[]>> {
    const prefix = `${this.ctx.config.kafka.consumerGroup}-`;
    const live = this.ctx.config.worker.storageTypes.map((t) => `${prefix}${t}`);
    const listed = (await admin.groupIds()).filter((g) => g.startsWith(prefix) && !g.startsWith(`${prefix}cli-`));
    const out = new Map<string, CommittedOffset[]>();
    for (const group of [...new Set([...live, ...listed.sort()])]) {
      const committed = await admin.committedOffsets(group, topic);
      if (live.includes(group) || committed.some((c) => BigInt(c.offset) >= 0n)) out.set(group, committed);
    }
    return out;
  }

  private async statusOf(
    admin: TopicAdmin,
    group: string,
    committed: CommittedOffset[],
    marks: PartitionOffsets[],
    peeker: TimestampPeeker,
    now: number,
  ): Promise<GroupStatus> {
    const described = await admin.describeGroup(group);
    const base = { group, state: described?.state ?? 'Dead', members: described?.members ?? 0 };
    if (group.startsWith(`${this.ctx.config.kafka.consumerGroup}${REPLAY_GROUP_MARK}`))
      return { ...base, role: 'replay', ...replayProgress(committed) };
    // A group without a commit starts at the oldest retained message (WORKER_FROM_BEGINNING).
    const positions = marks
      .map((m) => {
        const c = committed.find((x) => x.partition === m.partition);
        const offset = c && BigInt(c.offset) >= BigInt(m.low) ? c.offset : m.low;
        return { partition: m.partition, offset, lag: Number(BigInt(m.high) - BigInt(offset)) };
      })
      .filter((p) => p.lag > 0);
    const lagMessages = positions.reduce((n, p) => n + p.lag, 0);
    const times = await peeker.peek(positions.map((p) => ({ partition: p.partition, offset: p.offset })));
    const oldest = times.size > 0 ? Math.min(...times.values()) : undefined;
    return {
      ...base,
      role: 'live',
      lagMessages,
      lagSeconds: lagMessages === 0 ? 0 : oldest === undefined ? undefined : Math.max(0, (now - oldest) / 1_000),
    };
  }

  /** The guard's holds of this deployment's groups; Redis down or off is no reason to fail the report. */
  private async held(): Promise<HeldPartition[] | undefined> {
    if (!this.ctx.config.redis.dedupeEnabled) return undefined;
    try {
      const { consumerGroup, topic } = this.ctx.config.kafka;
      const all = await (await guardHolds(this.ctx)).held();
      return all.filter((h) => h.group.startsWith(`${consumerGroup}-`) && h.topic === topic);
    } catch {
      return undefined;
    }
  }

  private async size(admin: TopicAdmin, topic: string): Promise<number> {
    if (!(await admin.hasTopic(topic))) return 0;
    return (await admin.watermarks(topic)).reduce((n, w) => n + Number(BigInt(w.high) - BigInt(w.low)), 0);
  }
}

/** A replay's progress from its commits: the range each partition recorded, and the position in it. */
function replayProgress(committed: CommittedOffset[]): Pick<GroupStatus, 'lagMessages' | 'replay'> {
  let total = 0;
  let done = 0;
  let range: { fromMs: number; toMs: number } | undefined;
  for (const c of committed) {
    const meta = decodeRangeMetadata(c.metadata);
    if (!meta) continue;
    range ??= meta;
    const size = Number(BigInt(meta.end) - BigInt(meta.start));
    total += size;
    done += Math.min(size, Math.max(0, Number(BigInt(c.offset) - BigInt(meta.start))));
  }
  const iso = (ms?: number) => (ms === undefined ? '-' : new Date(ms).toISOString());
  return { lagMessages: total - done, replay: { total, done, from: iso(range?.fromMs), to: iso(range?.toMs) } };
}
