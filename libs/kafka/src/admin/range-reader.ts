import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { ConsumedMessage } from '@app/contracts';
import type { Logger } from '@app/observability';
import { toConsumed } from '../consumed-message';
import { withTimeout } from '../producer-connection';
import type { PartitionRange } from './offsets-for-range';

export interface RangeReaderOptions {
  /** A group of the reader's own: its offsets are never another consumer's. */
  groupId: string;
  topic: string;
  maxBytesPerPartition?: number;
  maxWaitTimeMs?: number;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
}

/** Some messages of one partition, all inside the range being read, in offset order. */
export interface RangeBatch {
  partition: number;
  messages: ConsumedMessage[];
  /** Keeps the group membership during long work (a no-op when not due). */
  heartbeat(): Promise<void>;
  /**
   * Records progress inside a long batch: everything before `nextOffset` is done (committed
   * when the read commits). The rest of the batch is still handled as usual.
   */
  commit(nextOffset: string): Promise<void>;
}

export type RangeHandler = (batch: RangeBatch) => Promise<void>;

export interface ReadOptions {
  /**
   * When given, the position after each handled batch is committed in the reader's group,
   * with this metadata: a rerun can resume from there.
   */
  commitMetadata?: (partition: number) => string;
}

export interface CommittedPosition {
  partition: number;
  offset: string;
  metadata?: string;
}

interface Job {
  handler: RangeHandler;
  options: ReadOptions;
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * Reads fixed offset ranges ([start, end) per partition) of one topic and stops at their
 * ends, however much is written meanwhile. kafkajs only consumes in groups, so the reader
 * joins a group of its own and steers it with pause, resume and seek; a rebalance (a
 * killed earlier run's member timing out) re-seeks to where each range stands. Batches are
 * handled one at a time; a handler that throws fails the read and pauses everything.
 */
export class RangeReader {
  private consumer?: Consumer;
  private assigned: number[] = [];
  private readonly active = new Map<number, { next: bigint; end: bigint }>();
  private job?: Job;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: RangeReaderOptions,
    private readonly logger: Logger,
  ) {}

  /** Joins the group with every partition paused. */
  async start(timeoutMs = 60_000): Promise<void> {
    const o = this.options;
    const consumer = this.kafka.consumer({
      groupId: o.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: o.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: o.heartbeatIntervalMs ?? 1_000,
      maxBytesPerPartition: o.maxBytesPerPartition ?? 1_048_576,
      maxWaitTimeInMs: o.maxWaitTimeMs ?? 250,
      rebalanceTimeout: 30_000,
    });
    this.consumer = consumer;
    let onJoin: () => void = () => undefined;
    const joined = new Promise<void>((resolve) => (onJoin = resolve));
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.onAssignment([...(payload.memberAssignment[o.topic] ?? [])]);
      onJoin();
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) this.fail(payload.error);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [o.topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.onBatch(payload),
    });
    await withTimeout(joined, timeoutMs, `joining consumer group ${o.groupId}`);
  }

  /** Commits positions (with metadata) in the reader's group, e.g. a new replay's starting point. */
  async commit(positions: CommittedPosition[]): Promise<void> {
    if (positions.length === 0) return;
    await this.requireConsumer().commitOffsets(
      positions.map((p) => ({ topic: this.options.topic, ...p, metadata: p.metadata ?? null })),
    );
  }

  /** Resolves once every range is read to its end; rejects with the handler's error. */
  read(ranges: PartitionRange[], handler: RangeHandler, options: ReadOptions = {}): Promise<void> {
    if (this.job) throw new Error('a read is already running');
    const open = ranges.filter((r) => BigInt(r.start) < BigInt(r.end));
    if (open.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.job = { handler, options, resolve, reject };
      for (const r of open) this.active.set(r.partition, { next: BigInt(r.start), end: BigInt(r.end) });
      this.onAssignment(this.assigned);
    });
  }

  /** Leaves the group (a batch being handled is finished first) and disconnects. */
  async stop(): Promise<void> {
    await this.consumer
      ?.disconnect()
      .catch((err: unknown) => this.logger.debug({ err: String(err) }, 'range reader disconnect failed'));
  }

  private requireConsumer(): Consumer {
    if (!this.consumer) throw new Error('range reader not started');
    return this.consumer;
  }

  /** Active partitions (re)start at their current position; everything else stays paused. */
  private onAssignment(partitions: number[]): void {
    this.assigned = partitions.sort((a, b) => a - b);
    const consumer = this.requireConsumer();
    const topic = this.options.topic;
    const idle = this.assigned.filter((p) => !this.active.has(p));
    if (idle.length > 0) consumer.pause([{ topic, partitions: idle }]);
    for (const p of this.assigned.filter((p) => this.active.has(p))) {
      consumer.seek({ topic, partition: p, offset: this.active.get(p)!.next.toString() });
      consumer.resume([{ topic, partitions: [p] }]);
    }
  }

  private async onBatch(p: EachBatchPayload): Promise<void> {
    const { topic, partition } = p.batch;
    const state = this.active.get(partition);
    const job = this.job;
    if (!state || !job || p.batch.messages.length === 0) return;
    const messages = p.batch.messages
      .filter((m) => BigInt(m.offset) >= state.next && BigInt(m.offset) < state.end)
      .map((m) => toConsumed(topic, partition, m));
    try {
      const commit = (next: string) => this.advance(job, partition, state, BigInt(next));
      if (messages.length > 0) await job.handler({ partition, messages, heartbeat: () => p.heartbeat(), commit });
      if (!p.isRunning() || p.isStale() || this.job !== job) return;
      // Past the last message of the batch (or the range's end, if the batch ran beyond it).
      const last = BigInt(p.batch.lastOffset());
      await this.advance(job, partition, state, last + 1n);
      if (state.next > last) p.resolveOffset(p.batch.lastOffset());
    } catch (err) {
      this.fail(err);
      return;
    }
    if (state.next >= state.end) this.finish(partition);
  }

  /** Moves a partition's position forward (never past its end), committing it when the read commits. */
  private async advance(job: Job, partition: number, state: { next: bigint; end: bigint }, to: bigint): Promise<void> {
    const next = to < state.end ? to : state.end;
    if (next <= state.next) return;
    if (job.options.commitMetadata)
      await this.commit([{ partition, offset: next.toString(), metadata: job.options.commitMetadata(partition) }]);
    state.next = next;
  }

  private finish(partition: number): void {
    this.active.delete(partition);
    this.consumer?.pause([{ topic: this.options.topic, partitions: [partition] }]);
    if (this.active.size > 0) return;
    const job = this.job;
    this.job = undefined;
    job?.resolve();
  }

  private fail(err: unknown): void {
    const job = this.job;
    this.job = undefined;
    this.active.clear();
    if (this.consumer && this.assigned.length > 0)
      this.consumer.pause([{ topic: this.options.topic, partitions: this.assigned }]);
    job?.reject(err);
  }
}

/**
 * Reads ranges once in a throwaway group (`groupId`), which is deleted afterwards so
 * one-off reads (listing dead letters, peeking at a timestamp) leave no trace.
 */
export async function readRangesOnce(
  kafka: Kafka,
  options: RangeReaderOptions,
  ranges: PartitionRange[],
  handler: RangeHandler,
  logger: Logger,
): Promise<void> {
  if (ranges.every((r) => BigInt(r.start) >= BigInt(r.end))) return;
  const reader = new RangeReader(kafka, options, logger);
  try {
    await reader.start();
    await reader.read(ranges, handler);
  } finally {
    await reader.stop();
    await deleteGroup(kafka, options.groupId, logger);
  }
}

/** Best effort: a group left behind only costs its committed offsets until they expire. */
export async function deleteGroup(kafka: Kafka, groupId: string, logger: Logger): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.deleteGroups([groupId]);
  } catch (err) {
    logger.debug({ groupId, err: String(err) }, 'could not delete consumer group');
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
