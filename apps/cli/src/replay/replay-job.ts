import { Registry } from 'prom-client';
import { ConsumedMessage, kindOf } from '@app/contracts';
import { backoffDelay, DeadLetterProducer } from '@app/kafka';
import { deleteGroup, RangeBatch, RangeReader } from '@app/kafka/admin';
import { BatchOutcome, BatchProcessor, DeadLetterSink, PipelineMetrics, SuspiciousBatchError } from '@app/pipeline';
import { createStore, Store } from '@app/storage';
import type { CliContext } from '../cli-context';
import { InterruptedError } from '../cli-errors';
import type { PipelineSettings } from '@app/pipeline';
import { DiscardingSink, DryRunStore } from './dry-run.store';
import type { ProgressReporter } from './progress';
import { ReplaceCountingStore } from './replace-counting.store';
import { counterValues, tally } from './replay-counts';
import { encodeRangeMetadata } from './replay-group';
import type { ReplayPlan, ReplayRequest } from './replay-plan';
import { ReplaySummary, timeRange } from './replay-report';
import { Throttle } from './throttle';

const MAX_ATTEMPTS = 8;
const METRICS_PREFIX = 'replay_';

/**
 * Runs one planned replay: reads the range in the replay's own group, sends each chunk
 * through today's pipeline in replace mode (or into a counting stand-in for a dry run), and
 * commits a partition's position only after the store confirmed the batch. Finished, it
 * deletes its group, so the same command later starts a new replay.
 */
export class ReplayJob {
  private readonly registry = new Registry();
  private readonly deadLetters?: DeadLetterProducer;
  private readonly processor: BatchProcessor;
  private readonly throttle: Throttle;
  private readonly kinds?: Set<string>;
  private readonly totals = { read: 0, skipped: 0, written: 0, duplicates: 0, dropped: 0, deadLettered: 0 };

  /** Loads the replayed store's module (and only that one) before building the job. */
  static async create(
    ctx: CliContext,
    request: ReplayRequest,
    plan: ReplayPlan,
    settings: PipelineSettings,
    progress: ProgressReporter,
    signal: AbortSignal,
  ): Promise<ReplayJob> {
    const store = request.dryRun
      ? new DryRunStore(request.store)
      : countingIfPossible(await createStore(request.store, ctx.config, ctx.logger));
    return new ReplayJob(ctx, request, plan, settings, progress, signal, store);
  }

  private constructor(
    private readonly ctx: CliContext,
    private readonly request: ReplayRequest,
    private readonly plan: ReplayPlan,
    settings: PipelineSettings,
    private readonly progress: ProgressReporter,
    private readonly signal: AbortSignal,
    private readonly store: Store,
  ) {
    const { config, logger } = ctx;
    this.deadLetters = request.dryRun
      ? undefined
      : new DeadLetterProducer(ctx.kafka, config.kafka.deadLetterTopic, config.kafka.deadLetterMaxBytes);
    const sink: DeadLetterSink = this.deadLetters ?? new DiscardingSink();
    this.processor = new BatchProcessor({
      store: this.store,
      deadLetters: sink,
      rules: settings.rules,
      anonymizer: settings.anonymizer,
      mode: 'replace',
      // A dry run's "message dead-lettered" lines say so.
      logger: request.dryRun ? logger.child({ dryRun: true }) : logger,
      guard: { maxRatio: config.worker.dlqMaxRatio, minBatch: config.worker.dlqMinBatch },
      consumerGroup: plan.groupId,
      metrics: new PipelineMetrics(this.registry, METRICS_PREFIX),
    });
    this.throttle = new Throttle(request.maxRate);
    this.kinds = request.kinds ? new Set(request.kinds) : undefined;
  }

  async run(): Promise<ReplaySummary> {
    const started = Date.now();
    const { kafka, config, logger } = this.ctx;
    const reader = new RangeReader(
      kafka,
      {
        groupId: this.plan.groupId,
        topic: config.kafka.topic,
        maxBytesPerPartition: config.worker.fetchMaxBytesPerPartition,
      },
      logger,
    );
    try {
      await this.store.connect();
      await this.deadLetters?.connect();
      await reader.start();
      if (!this.request.dryRun && !this.plan.resumed) {
        await reader.commit(
          this.plan.ranges.map((r) => ({
            partition: r.partition,
            offset: r.start,
            metadata: this.metadata(r.partition),
          })),
        );
      }
      this.progress.start(this.request.dryRun ? 'dry run' : 'replay', this.plan.total, this.plan.before);
      const commitMetadata = this.request.dryRun ? undefined : (p: number) => this.metadata(p);
      await reader.read(this.plan.remaining, (batch) => this.handle(batch), { commitMetadata });
    } finally {
      this.progress.stop();
      await reader.stop();
      await this.store.close().catch(() => undefined);
      await this.deadLetters?.disconnect().catch(() => undefined);
    }
    // Done: forget the position, so running the same command again replays the range again.
    if (!this.request.dryRun) await deleteGroup(kafka, this.plan.groupId, logger);
    return this.summary(Date.now() - started);
  }

  private metadata(partition: number): string {
    const range = this.plan.ranges.find((r) => r.partition === partition) ?? { start: '0', end: '0' };
    return encodeRangeMetadata({ start: range.start, end: range.end, fromMs: this.plan.fromMs, toMs: this.plan.toMs });
  }

  private async handle(batch: RangeBatch): Promise<void> {
    const chosen = this.kinds ? batch.messages.filter((m) => this.kinds!.has(kindOf(m))) : batch.messages;
    this.totals.read += batch.messages.length;
    this.totals.skipped += batch.messages.length - chosen.length;
    this.progress.advance(batch.messages.length - chosen.length);
    const size = this.throttle.chunkSize(500);
    for (let i = 0; i < chosen.length; i += size) {
      const chunk = chosen.slice(i, i + size);
      if (this.signal.aborted) throw new InterruptedError('stopped before the end');
      await this.throttle.acquire(chunk.length, batch.heartbeat, this.signal);
      const { counts } = await this.processWithRetries(chunk, batch.heartbeat);
      this.totals.written += counts.written;
      this.totals.duplicates += counts.duplicates;
      this.totals.dropped += counts.dropped;
      this.totals.deadLettered += counts.deadLettered;
      this.progress.advance(chunk.length);
      // The store has the chunk: an interrupted replay resumes after it, not at the batch's start.
      await batch.commit((BigInt(chunk[chunk.length - 1].offset) + 1n).toString());
      await batch.heartbeat();
    }
  }

  /** A store or dead-letter outage is retried with backoff for a while; then the replay fails, resumable. */
  private async processWithRetries(chunk: ConsumedMessage[], heartbeat: () => Promise<void>): Promise<BatchOutcome> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.processor.process(chunk);
      } catch (err) {
        if (err instanceof SuspiciousBatchError || attempt + 1 >= MAX_ATTEMPTS || this.signal.aborted) throw err;
        const delayMs = backoffDelay(attempt, 500, 10_000);
        this.ctx.logger.warn(
          { attempt, delayMs, error: (err as Error).name, message: (err as Error).message },
          'replay batch failed; retrying',
        );
        const until = Date.now() + delayMs;
        while (Date.now() < until && !this.signal.aborted) {
          await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, until - Date.now())));
          await heartbeat();
        }
      }
    }
  }

  private async summary(durationMs: number): Promise<ReplaySummary> {
    const consumed = await counterValues(this.registry, `${METRICS_PREFIX}events_consumed_total`);
    const stored = await counterValues(this.registry, `${METRICS_PREFIX}events_stored_total`);
    const dropped = await counterValues(this.registry, `${METRICS_PREFIX}events_dropped_total`);
    const lettered = await counterValues(this.registry, `${METRICS_PREFIX}events_dead_lettered_total`);
    const byKind: ReplaySummary['byKind'] = {};
    const row = (kind: string) => (byKind[kind] ??= { read: 0, written: 0, dropped: 0 });
    for (const [kind, n] of Object.entries(tally(consumed, (l) => l.kind))) row(kind).read = n;
    for (const [kind, n] of Object.entries(tally(stored, (l) => l.kind))) row(kind).written = n;
    for (const [kind, n] of Object.entries(tally(dropped, (l) => l.kind))) row(kind).dropped = n;
    const store = this.store;
    const counting = store instanceof ReplaceCountingStore;
    return {
      dryRun: this.request.dryRun,
      group: this.plan.groupId,
      topic: this.ctx.config.kafka.topic,
      store: this.request.store,
      kinds: this.request.kinds ?? 'all',
      ...timeRange(this.plan.fromMs, this.plan.toMs),
      resumed: this.plan.resumed,
      total: this.plan.total,
      before: this.plan.before,
      read: this.totals.read,
      skipped: this.totals.skipped,
      written: counting ? store.inserted : this.totals.written,
      replaced: counting ? store.replaced : null,
      duplicates: this.totals.duplicates,
      dropped: this.totals.dropped,
      deadLettered: this.totals.deadLettered,
      byKind,
      droppedBy: tally(dropped, (l) => l.reason),
      deadLetteredBy: tally(lettered, (l) => `${l.stage}/${l.reason}`),
      durationMs,
    };
  }
}

/**
 * Only PostgreSQL reports which ids it already had (duplicates in insert mode), which is what
 * tells new rows from replaced ones. The others report every event as written, and an insert
 * pass would not be a no-op for them (BigQuery appends), so they get the replace write alone.
 */
function countingIfPossible(store: Store): Store {
  return store.type === 'postgres' ? new ReplaceCountingStore(store) : store;
}
