import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { CommitOffset, ConsumedMessage } from '@app/contracts';
import type { Logger } from '@app/observability';
import { retryDelay } from './backoff';
import { BatchGatherer } from './batch-gatherer';
import { toConsumed } from './consumed-message';

/** A handled batch that spans partitions: what may be committed, and the partitions to retry. */
export interface HandledBatch {
  commits: CommitOffset[];
  /** Partitions of the batch that failed on their own (e.g. held by a guard); the rest is done. */
  failed?: Array<{ topic: string; partition: number; error: unknown }>;
}

/**
 * Processes a batch (with coalescing, the batches of several partitions in one array); resolves
 * with what may be committed, rejects to have every partition of the batch retried.
 */
export type BatchHandler = (messages: ConsumedMessage[]) => Promise<CommitOffset[] | HandledBatch>;

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
  /**
   * Up to this many partitions' batches of one fetch go to the handler as one batch (one store
   * write); 1 (the default) hands each partition's batch over on its own.
   */
  coalescePartitions?: number;
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

/** One partition's batch waiting in the gatherer, settled once its group was handled and committed. */
interface Piece {
  payload: EachBatchPayload;
  messages: ConsumedMessage[];
  settle: (error?: unknown) => void;
}

/**
 * kafkajs `eachBatch` behind a small interface (Nest's one-message-at-a-time server does not
 * fit a batch-writing worker). Offsets are resolved and committed only with what the handler
 * returns. A failing batch pauses its partition (nothing is committed; the other partitions go
 * on) and is fetched again after a capped exponential backoff; a rebalance or stop() abandons
 * it uncommitted, so it is redelivered. With `coalescePartitions` > 1 the partitions' batches of
 * one fetch are handled as one batch (one dedupe round trip, one store write, one commit request),
 * yet each partition still succeeds, retries and commits on its own: a partition is committed
 * only after the handler returned, and a failure retries every partition it covered.
 */
export class BatchConsumer {
  private consumer?: Consumer;
  private readonly stopping = new AbortController();
  private isJoined = false;
  private assigned: number[] = [];
  /** Failed attempts in a row per partition (the backoff's exponent); reset by a success. */
  private readonly attempts = new Map<number, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly gatherer: BatchGatherer<Piece>;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: BatchConsumerOptions,
    private readonly handler: BatchHandler,
    private readonly logger: Logger,
    private readonly hooks: BatchConsumerHooks = {},
  ) {
    this.gatherer = new BatchGatherer(this.coalesce, (pieces) => void this.handleGroup(pieces));
  }

  private get coalesce(): number {
    return Math.max(1, this.options.coalescePartitions ?? 1);
  }

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
        // Coalescing needs a kafkajs worker per partition of a fetch, each waiting in the gatherer.
        partitionsConsumedConcurrently: Math.max(o.partitionsConcurrency, this.coalesce),
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
   * the backoff: the batch is fetched again while the other partitions keep flowing. The batch
   * first waits in the gatherer for the other partitions of its fetch (see handleGroup).
   */
  private async onBatch(p: EachBatchPayload): Promise<void> {
    const { topic, partition } = p.batch;
    if (p.batch.messages.length === 0 || this.abandoned(p)) return;
    // A loop, not messages.map((m) => ...): a closure made per batch and called per message
    // loses its optimized code at every full collection (docs/operations.md, "Closures on the hot path").
    const messages: ConsumedMessage[] = new Array(p.batch.messages.length);
    for (let i = 0; i < messages.length; i++) messages[i] = toConsumed(topic, partition, p.batch.messages[i]);
    const outcome = await new Promise<unknown>((settle) => this.gatherer.add({ payload: p, messages, settle }));
    if (outcome instanceof CommitFailed) throw outcome.cause;
    if (outcome === undefined) {
      this.attempts.delete(partition);
      if (!this.abandoned(p))
        this.hooks.onBatchDone?.({ topic, partition, size: messages.length, lag: Number(p.batch.offsetLag()) });
      return;
    }
    if (outcome instanceof Abandoned || this.abandoned(p)) return;
    const attempt = this.attempts.get(partition) ?? 0;
    this.attempts.set(partition, attempt + 1);
    const delayMs = retryDelay(outcome, attempt, this.options.retryInitialMs, this.options.retryMaxMs);
    this.hooks.onRetry?.({ topic, partition, attempt, delayMs, error: outcome, messages });
    this.retryLater(topic, partition, messages[0].offset, delayMs);
  }

  /**
   * Hands the gathered batches to the handler as one, then commits the offsets of every
   * partition it stored in one request, and only then settles each partition's eachBatch call:
   * undefined when done, the error when that partition must be retried.
   */
  private async handleGroup(pieces: Piece[]): Promise<void> {
    const messages = pieces.length === 1 ? pieces[0].messages : pieces.flatMap((x) => x.messages);
    let handled: HandledBatch;
    try {
      const result = await this.runHandler(messages, pieces[0].payload);
      handled = Array.isArray(result) ? { commits: result } : result;
    } catch (error) {
      for (const x of pieces) x.settle(error ?? new Error('batch handler failed'));
      return;
    }
    const failed = new Map((handled.failed ?? []).map((f) => [`${f.topic}\u0000${f.partition}`, f.error]));
    const done: Piece[] = [];
    for (const x of pieces) {
      const key = `${x.payload.batch.topic}\u0000${x.payload.batch.partition}`;
      if (failed.has(key)) x.settle(failed.get(key) ?? new Error('partition failed'));
      else done.push(x);
    }
    try {
      await this.commit(handled.commits, done);
    } catch (error) {
      for (const x of done) x.settle(new CommitFailed(error));
      return;
    }
    for (const x of done) x.settle();
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
  private async runHandler(messages: ConsumedMessage[], p: EachBatchPayload): Promise<CommitOffset[] | HandledBatch> {
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

  /** Resolves and commits, in one request, each live partition's highest offset among `commits`. */
  private async commit(commits: CommitOffset[], pieces: Piece[]): Promise<void> {
    const partitions: Array<{ partition: number; offset: string }> = [];
    let topic = '';
    let via: EachBatchPayload | undefined;
    for (const { payload: p } of pieces) {
      if (this.abandoned(p)) continue;
      const own = commits.filter((c) => c.topic === p.batch.topic && c.partition === p.batch.partition);
      if (own.length === 0) continue;
      const next = own.reduce((a, b) => (BigInt(a.offset) > BigInt(b.offset) ? a : b));
      p.resolveOffset((BigInt(next.offset) - 1n).toString());
      partitions.push({ partition: next.partition, offset: next.offset });
      topic = next.topic;
      via = p;
    }
    if (via) await via.commitOffsetsIfNecessary({ topics: [{ topic, partitions }] });
  }
}

/** A commit that failed after the handler succeeded: thrown out of eachBatch, as kafkajs expects. */
class CommitFailed {
  constructor(readonly cause: unknown) {}
}
