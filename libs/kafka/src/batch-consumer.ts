import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { CommitOffset, ConsumedMessage } from '@app/contracts';
import type { Logger } from '@app/observability';
import { retryDelay } from './backoff';
import { toConsumed } from './consumed-message';

/** Processes a batch; resolves with what may be committed, rejects to have the batch retried. */
export type BatchHandler = (messages: ConsumedMessage[]) => Promise<CommitOffset[]>;

export interface BatchConsumerOptions {
  groupId: string;
  topic: string;
  fromBeginning: boolean;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  maxBytesPerPartition: number;
  /** Data the broker waits for before answering a fetch (bounded by maxWaitTimeMs). */
  minBytes?: number;
  maxWaitTimeMs: number;
  partitionsConcurrency: number;
  retryInitialMs: number;
  retryMaxMs: number;
}

export interface BatchConsumerHooks {
  onBatchDone?(info: { topic: string; partition: number; size: number; lag: number }): void;
  /** The batch failed and waits `delayMs` (`messages`: the batch, for the caller's log line). */
  onRetry?(info: {
    topic: string;
    partition: number;
    attempt: number;
    delayMs: number;
    error: unknown;
    messages: ConsumedMessage[];
  }): void;
  onAssignment?(partitions: number[]): void;
  /** kafkajs gave up on the consumer; the process should exit and be restarted. */
  onCrash?(error: unknown): void;
}

class Abandoned extends Error {}

/**
 * kafkajs `eachBatch` behind a small interface (Nest's one-message-at-a-time server does not
 * fit a batch-writing worker). Offsets are resolved and committed only with what the handler
 * returns. A failing batch pauses its partition (nothing is committed; the other partitions go
 * on) and is fetched again after a capped exponential backoff; a rebalance or stop() abandons
 * it uncommitted, so it is redelivered.
 */
export class BatchConsumer {
  private consumer?: Consumer;
  private readonly stopping = new AbortController();
  private isJoined = false;
  private assigned: number[] = [];
  /** Failed attempts in a row per partition (the backoff's exponent); reset by a success. */
  private readonly attempts = new Map<number, number>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly kafka: Kafka,
    private readonly options: BatchConsumerOptions,
    private readonly handler: BatchHandler,
    private readonly logger: Logger,
    private readonly hooks: BatchConsumerHooks = {},
  ) {}

  get joined(): boolean {
    return this.isJoined;
  }

  get partitions(): number[] {
    return this.assigned;
  }

  async start(): Promise<void> {
    const o = this.options;
    const consumer = this.kafka.consumer({
      groupId: o.groupId,
      sessionTimeout: o.sessionTimeoutMs,
      heartbeatInterval: o.heartbeatIntervalMs,
      rebalanceTimeout: Math.max(60_000, o.sessionTimeoutMs * 2),
      maxBytesPerPartition: o.maxBytesPerPartition,
      minBytes: o.minBytes,
      maxWaitTimeInMs: o.maxWaitTimeMs,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.isJoined = true;
      this.assigned = [...(payload.memberAssignment[o.topic] ?? [])].sort((a, b) => a - b);
      for (const p of [...this.attempts.keys()]) if (!this.assigned.includes(p)) this.attempts.delete(p);
      this.hooks.onAssignment?.(this.assigned);
    });
    consumer.on(consumer.events.STOP, () => (this.isJoined = false));
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.isJoined = false;
      if (!payload.restart) this.hooks.onCrash?.(payload.error);
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [o.topic], fromBeginning: o.fromBeginning });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: o.partitionsConcurrency,
        eachBatch: (payload) => this.onBatch(payload),
      });
    } catch (err) {
      // start() may be retried: never leave a half-started client behind.
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
  }

  /** Abandons in-flight batches without committing them, leaves the group, disconnects. */
  async stop(): Promise<void> {
    this.stopping.abort();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await this.consumer?.disconnect();
    this.isJoined = false;
  }

  private abandoned(p: EachBatchPayload): boolean {
    return this.stopping.signal.aborted || !p.isRunning() || p.isStale();
  }

  /**
   * One attempt per delivery. A failed batch never sleeps inside eachBatch: kafkajs fetches a
   * broker's partitions together and waits for every batch of a fetch, so a batch waiting in
   * place would hold the consumer's other partitions hostage. Instead the partition is paused
   * and rewound to the batch's first offset, eachBatch returns, and a timer resumes it after
   * the backoff: the batch is fetched again while the other partitions keep flowing.
   */
  private async onBatch(p: EachBatchPayload): Promise<void> {
    const { topic, partition } = p.batch;
    if (p.batch.messages.length === 0 || this.abandoned(p)) return;
    const messages = p.batch.messages.map((m) => toConsumed(topic, partition, m));
    let commits: CommitOffset[];
    try {
      commits = await this.runHandler(messages, p);
    } catch (error) {
      if (error instanceof Abandoned || this.abandoned(p)) return;
      const attempt = this.attempts.get(partition) ?? 0;
      this.attempts.set(partition, attempt + 1);
      const delayMs = retryDelay(error, attempt, this.options.retryInitialMs, this.options.retryMaxMs);
      this.hooks.onRetry?.({ topic, partition, attempt, delayMs, error, messages });
      this.retryLater(topic, partition, messages[0].offset, delayMs);
      return;
    }
    this.attempts.delete(partition);
    if (this.abandoned(p)) return;
    await this.commit(commits, p);
    this.hooks.onBatchDone?.({ topic, partition, size: messages.length, lag: Number(p.batch.offsetLag()) });
  }

  /** Pauses the partition at `offset` (nothing committed) and resumes it after `delayMs`. */
  private retryLater(topic: string, partition: number, offset: string, delayMs: number): void {
    const consumer = this.consumer!;
    consumer.pause([{ topic, partitions: [partition] }]);
    consumer.seek({ topic, partition, offset });
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopping.signal.aborted) consumer.resume([{ topic, partitions: [partition] }]);
    }, delayMs);
    this.timers.add(timer);
  }

  /** Runs the handler, heartbeating meanwhile; rejects with Abandoned as soon as stop() is called. */
  private async runHandler(messages: ConsumedMessage[], p: EachBatchPayload): Promise<CommitOffset[]> {
    const beat = setInterval(() => {
      p.heartbeat().catch((err: unknown) => this.logger.debug({ err: String(err) }, 'heartbeat during batch failed'));
    }, this.options.heartbeatIntervalMs);
    let onStop: (() => void) | undefined;
    const stopped = new Promise<never>((_, reject) => {
      onStop = () => reject(new Abandoned());
      this.stopping.signal.addEventListener('abort', onStop, { once: true });
    });
    try {
      return await Promise.race([this.handler(messages), stopped]);
    } finally {
      clearInterval(beat);
      this.stopping.signal.removeEventListener('abort', onStop!);
      stopped.catch(() => undefined);
    }
  }

  private async commit(commits: CommitOffset[], p: EachBatchPayload): Promise<void> {
    const own = commits.filter((c) => c.topic === p.batch.topic && c.partition === p.batch.partition);
    if (own.length === 0) return;
    const next = own.reduce((a, b) => (BigInt(a.offset) > BigInt(b.offset) ? a : b));
    p.resolveOffset((BigInt(next.offset) - 1n).toString());
    await p.commitOffsetsIfNecessary({
      topics: [{ topic: next.topic, partitions: [{ partition: next.partition, offset: next.offset }] }],
    });
  }
}
