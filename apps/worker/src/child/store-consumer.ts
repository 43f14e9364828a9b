import type { Config, StorageType } from '@app/config';
import { BatchConsumer, KafkaClient, retryUntil } from '@app/kafka';
import type { Logger } from '@app/observability';
import type { ConsumedMessage } from '@app/contracts';
import {
  BatchCounts,
  batchCorrelationIds,
  BatchProcessor,
  DeadLetterSink,
  deadLetterSinkFor,
  PipelineMetrics,
  SuspiciousBatchError,
} from '@app/pipeline';
import { GuardHoldRepository, RedisClient, RedisDedupeRepository } from '@app/redis';
import { createStore, RetriableStoreError, Store } from '@app/storage';
import type { PartitionWait, StoreStatus } from '../worker-messages';
import type { PipelineSettings } from '@app/pipeline';

export interface StoreConsumerDeps {
  config: Config;
  settings: PipelineSettings;
  kafka: KafkaClient;
  deadLetters: DeadLetterSink;
  redis?: RedisClient;
  metrics: PipelineMetrics;
  logger: Logger;
  /** Called when the consumer cannot go on (kafkajs gave up): the process exits and is restarted. */
  onFatal: (err: unknown) => void;
}

/**
 * One store's consumer and pipeline in this process. Each store has its own consumer group
 * (`<KAFKA_CONSUMER_GROUP>-<store>`, suffixed even when alone so adding a store later never
 * moves the existing one's offsets), hence its own offsets, retries, lag and dead letters.
 */
export class StoreConsumer {
  private readonly consumer: BatchConsumer;
  private written = 0;
  private readonly waiting = new Map<number, PartitionWait>();
  private stopped = false;
  private lastHealth: { ok: boolean; detail?: string } = { ok: false, detail: 'not connected yet' };
  /** The API's correlation-id key: batch lines carry a non-opaque id only in its keyed form. */
  private readonly correlationKey?: string;

  /** Loads the store's module (only the stores STORAGE_TYPE names are ever loaded), then builds the consumer. */
  static async create(type: StorageType, deps: StoreConsumerDeps): Promise<StoreConsumer> {
    const group = `${deps.config.kafka.consumerGroup}-${type}`;
    const logger = deps.logger.child({ store: type, group });
    return new StoreConsumer(type, deps, group, logger, await createStore(type, deps.config, logger));
  }

  private constructor(
    readonly type: StorageType,
    private readonly deps: StoreConsumerDeps,
    readonly group: string,
    private readonly logger: Logger,
    private readonly store: Store,
  ) {
    const { config, settings, metrics } = deps;
    this.correlationKey = config.anonymizer.enabled ? config.anonymizer.key : undefined;
    const processor = new BatchProcessor({
      store: this.store,
      logger: this.logger,
      rules: settings.rules,
      anonymizer: settings.anonymizer,
      deadLetters: deadLetterSinkFor(deps.deadLetters, settings.anonymizer, config.anonymizer.dlqEncryptionKeys),
      dedupe: deps.redis
        ? new RedisDedupeRepository(deps.redis, config.redis.keyPrefix, type, config.redis.ttlSeconds)
        : undefined,
      guard: {
        maxRatio: config.worker.dlqMaxRatio,
        minBatch: config.worker.dlqMinBatch,
        holds: deps.redis ? new GuardHoldRepository(deps.redis) : undefined,
      },
      consumerGroup: this.group,
      metrics,
      mode: 'insert',
      correlationKey: this.correlationKey,
    });
    const w = config.worker;
    this.consumer = new BatchConsumer(
      deps.kafka,
      {
        groupId: this.group,
        topic: config.kafka.topic,
        fromBeginning: w.fromBeginning,
        sessionTimeoutMs: w.sessionTimeoutMs,
        heartbeatIntervalMs: w.heartbeatIntervalMs,
        maxBytesPerPartition: w.fetchMaxBytesPerPartition,
        minBytes: w.fetchMinBytes,
        maxWaitTimeMs: w.fetchMaxWaitMs,
        partitionsConcurrency: w.partitionsConcurrency,
        coalescePartitions: w.coalescePartitions,
        retryInitialMs: w.retryInitialMs,
        retryMaxMs: w.retryMaxMs,
      },
      async (messages) => {
        const outcome = await processor.process(messages);
        this.written += outcome.counts.written;
        this.logBatch(messages, outcome.counts);
        return { commits: outcome.commits, failed: outcome.held };
      },
      this.logger,
      this.hooks(),
    );
  }

  private hooks() {
    const { metrics } = this.deps;
    let assigned: number[] = [];
    return {
      onBatchDone: ({ topic, partition, lag }: { topic: string; partition: number; lag: number }) => {
        metrics.lag.set({ store: this.type, topic, partition: String(partition) }, lag);
        this.stopWaiting(partition);
      },
      onRetry: ({
        partition,
        attempt,
        delayMs,
        error,
        messages,
      }: {
        partition: number;
        attempt: number;
        delayMs: number;
        error: unknown;
        messages: ConsumedMessage[];
      }) => {
        const e = error as Error;
        const reason = waitReason(error);
        metrics.retries.inc({ store: this.type, error: e?.name ?? 'Error' });
        const since = this.waiting.get(partition)?.since ?? new Date().toISOString();
        this.stopWaiting(partition);
        metrics.waiting.set({ store: this.type, partition: String(partition), reason }, 1);
        const message = String(e?.message ?? e).slice(0, 500);
        this.waiting.set(partition, { partition, reason, message, attempts: attempt + 1, since });
        const correlationIds = batchCorrelationIds(messages, this.correlationKey);
        const log = { partition, attempt, delayMs, reason, error: e?.name, message: e?.message, correlationIds };
        if (reason !== 'suspicious_batch') return this.logger.warn(log, 'batch failed; partition waits and retries');
        this.logger.error(log, 'partition held by the mass dead-letter guard; fix the deployment or release it');
      },
      onAssignment: (partitions: number[]) => {
        for (const p of assigned.filter((p) => !partitions.includes(p))) {
          metrics.lag.remove({ store: this.type, topic: this.deps.config.kafka.topic, partition: String(p) });
          this.stopWaiting(p);
        }
        assigned = partitions;
        this.logger.info({ partitions }, 'partitions assigned');
      },
      onCrash: (err: unknown) => this.deps.onFatal(err),
    };
  }

  /**
   * One debug line per stored batch: its positions, counts and the requests it came from. A
   * batch coalesced from several partitions names each one's offset range in `ranges`.
   */
  private logBatch(messages: ConsumedMessage[], counts: BatchCounts): void {
    if (!this.logger.isLevelEnabled('debug')) return;
    const { partition, offset: fromOffset } = messages[0];
    const toOffset = messages[messages.length - 1].offset;
    const correlationIds = batchCorrelationIds(messages, this.correlationKey);
    const ranges = offsetRanges(messages);
    const where = ranges.length === 1 ? { partition, fromOffset, toOffset } : { ranges };
    this.logger.debug({ ...where, ...counts, correlationIds }, 'batch processed');
  }

  private stopWaiting(partition: number): void {
    const was = this.waiting.get(partition);
    if (!was) return;
    this.deps.metrics.waiting.remove({ store: this.type, partition: String(partition), reason: was.reason });
    this.waiting.delete(partition);
  }

  /** Connects the store (applying migrations) and joins the group, retrying until it can or stop() is called. */
  async start(): Promise<void> {
    await this.untilDone('store connect', () => this.store.connect());
    this.lastHealth = { ok: true };
    await this.untilDone('consumer start', () => this.consumer.start());
  }

  private async untilDone(what: string, fn: () => Promise<void>): Promise<void> {
    const { retryInitialMs: initialMs, retryMaxMs: maxMs } = this.deps.config.worker;
    await retryUntil(fn, {
      initialMs,
      maxMs,
      stopped: () => this.stopped,
      onError: (err, attempt, delayMs) => {
        this.logger.warn({ err: (err as Error).message, attempt, delayMs }, `${what} failed; retrying`);
      },
    });
  }

  async status(): Promise<StoreStatus> {
    this.lastHealth = await this.store.health();
    return {
      store: this.type,
      group: this.group,
      joined: this.consumer.joined,
      partitions: this.consumer.partitions,
      storeOk: this.lastHealth.ok,
      storeDetail: this.lastHealth.detail,
      written: this.written,
      waiting: [...this.waiting.values()],
    };
  }

  /** Abandons in-flight batches uncommitted, leaves the group, closes the store. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.consumer
      .stop()
      .catch((err: unknown) => this.logger.warn({ err: (err as Error).message }, 'consumer stop failed'));
    await this.store.close().catch(() => undefined);
  }
}

function offsetRanges(messages: ConsumedMessage[]): Array<{ partition: number; fromOffset: string; toOffset: string }> {
  const ranges = new Map<number, { partition: number; fromOffset: string; toOffset: string }>();
  for (const { partition, offset } of messages) {
    const range = ranges.get(partition);
    if (range) range.toOffset = offset;
    else ranges.set(partition, { partition, fromOffset: offset, toOffset: offset });
  }
  return [...ranges.values()];
}

function waitReason(error: unknown): string {
  if (error instanceof SuspiciousBatchError) return 'suspicious_batch';
  if (error instanceof RetriableStoreError) return 'store_unavailable';
  return (error as Error)?.name ?? 'Error';
}
