import type { StorageType } from '@app/config';
import type { DeadLetter } from '@app/contracts';
import { backoffDelay, DeadLetterProducer } from '@app/kafka';
import { recoveryTopicOf, RecoveryLogProducer, RecoveryRecord } from '@app/kafka/admin';
import { BatchCounts, BatchProcessor, DeadLetterSeal, DeadLetterSink, deadLetterSinkFor } from '@app/pipeline';
import { createStore, Store } from '@app/storage';
import type { CliContext } from '../cli-context';
import { InterruptedError } from '../cli-errors';
import type { PipelineSettings } from '@app/pipeline';
import { DeadLetterView, originalMessage } from './dead-letter-view';
import { sealOf, withRawContent } from './dlq-raw';
import { readDeadLetters, readRecoveries } from './dlq-reader';
import { storeOfGroup } from './letter-store';

export interface DlqReplayRequest {
  reasons?: string[];
  sinceMs?: number;
  store?: StorageType;
  maxAttempts: number;
}

export interface DlqReplaySummary {
  /** Pending letters matching the filters. */
  considered: number;
  recovered: number;
  dropped: number;
  failedAgain: number;
  /** Not replayed: they used up --max-attempts. */
  exhausted: number;
  /** Not replayed: no configured store can be told from their consumer group. */
  noStore: number;
  byReason: Record<string, { recovered: number; dropped: number; failedAgain: number; exhausted: number }>;
}

/** Sends the pipeline's dead letters to the topic and remembers the last reason, for the recovery record. */
class RecordingSink implements DeadLetterSink {
  lastReason?: string;
  constructor(private readonly producer: DeadLetterProducer) {}
  async publish(letters: DeadLetter[]): Promise<void> {
    await this.producer.publish(letters);
    this.lastReason = letters.at(-1)?.reason;
  }
}

/**
 * `usage-stats dlq replay`: each pending dead letter goes through today's pipeline again
 * (insert mode: already stored events stay as they are) into the store whose consumer group
 * gave up on it. The outcome is recorded in the recovery log, so `dlq list` shows it and
 * no run replays it twice. A letter that fails again is dead-lettered anew with its attempt
 * count; at --max-attempts it is left alone. New letters land after the range read at the
 * start, so one run never meets its own output.
 */
export class DlqReplayService {
  private readonly stores = new Map<StorageType, Store>();
  private readonly processors = new Map<string, BatchProcessor>();
  private readonly producer: DeadLetterProducer;
  private readonly sink: RecordingSink;
  private readonly recoveryLog: RecoveryLogProducer;
  private readonly seal?: DeadLetterSeal;

  constructor(
    private readonly ctx: CliContext,
    private readonly settings: PipelineSettings,
    private readonly signal: AbortSignal,
  ) {
    this.seal = sealOf(ctx.config.anonymizer.dlqEncryptionKeys);
    const { deadLetterTopic, deadLetterMaxBytes } = ctx.config.kafka;
    this.producer = new DeadLetterProducer(ctx.kafka, deadLetterTopic, deadLetterMaxBytes);
    this.sink = new RecordingSink(this.producer);
    this.recoveryLog = new RecoveryLogProducer(ctx.kafka, recoveryTopicOf(ctx.config.kafka.deadLetterTopic));
  }

  async run(request: DlqReplayRequest): Promise<DlqReplaySummary> {
    await (await this.ctx.admin()).ensureRecoveryTopic(this.ctx.config.kafka);
    const [letters, recoveries] = await Promise.all([
      readDeadLetters(this.ctx, request.sinceMs),
      readRecoveries(this.ctx),
    ]);
    const summary: DlqReplaySummary = {
      considered: 0,
      recovered: 0,
      dropped: 0,
      failedAgain: 0,
      exhausted: 0,
      noStore: 0,
      byReason: {},
    };
    const chosen = letters.filter(
      (l) => (!request.reasons || request.reasons.includes(l.reason)) && !recoveries.has(`${l.partition}:${l.offset}`),
    );
    await Promise.all([this.producer.connect(), this.recoveryLog.connect()]);
    try {
      for (const letter of chosen) {
        if (this.signal.aborted) throw new InterruptedError('stopped; letters not replayed yet stay pending');
        await this.replayOne(letter, request, summary);
      }
    } finally {
      await Promise.allSettled([
        this.producer.disconnect(),
        this.recoveryLog.disconnect(),
        ...[...this.stores.values()].map((s) => s.close()),
      ]);
    }
    return summary;
  }

  private async replayOne(letter: DeadLetterView, request: DlqReplayRequest, summary: DlqReplaySummary): Promise<void> {
    const type =
      storeOfGroup(letter.consumerGroup, this.ctx.config.kafka.consumerGroup) ?? request.store ?? this.onlyStore();
    if (request.store && type !== request.store) return;
    summary.considered++;
    const tally = (summary.byReason[letter.reason] ??= { recovered: 0, dropped: 0, failedAgain: 0, exhausted: 0 });
    if (letter.attempts >= request.maxAttempts) {
      summary.exhausted++;
      tally.exhausted++;
      return;
    }
    if (!type || !this.ctx.config.worker.storageTypes.includes(type)) {
      summary.noStore++;
      return;
    }
    const counts = await this.process(type, letter);
    const outcome: RecoveryRecord['outcome'] =
      counts.deadLettered > 0 ? 'failed_again' : counts.dropped > 0 ? 'dropped' : 'recovered';
    await this.recoveryLog.publish([
      {
        partition: letter.partition,
        offset: letter.offset,
        outcome,
        attempt: letter.attempts + 1,
        at: new Date().toISOString(),
        store: type,
        reason: outcome === 'failed_again' ? this.sink.lastReason : undefined,
      },
    ]);
    const field = outcome === 'failed_again' ? 'failedAgain' : outcome;
    summary[field]++;
    tally[field]++;
    this.ctx.logger.info(
      { letter: `${letter.partition}:${letter.offset}`, reason: letter.reason, outcome, store: type },
      'dead letter replayed',
    );
  }

  /** A store outage is retried for a while (nothing is recorded until the store confirms). */
  private async process(type: StorageType, letter: DeadLetterView): Promise<BatchCounts> {
    const processor = await this.processorFor(
      type,
      letter.consumerGroup ?? `${this.ctx.config.kafka.consumerGroup}-${type}`,
    );
    for (let attempt = 0; ; attempt++) {
      this.sink.lastReason = undefined;
      try {
        return (await processor.process([originalMessage(withRawContent(letter, this.seal))])).counts;
      } catch (err) {
        if (attempt >= 5 || this.signal.aborted) throw err;
        this.ctx.logger.warn(
          { attempt, error: (err as Error).name, message: (err as Error).message },
          'dead letter replay failed; retrying',
        );
        await new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt, 500, 8_000)));
      }
    }
  }

  /** One processor per consumer group, so a letter that fails again keeps the group that names its store. */
  private async processorFor(type: StorageType, group: string): Promise<BatchProcessor> {
    const existing = this.processors.get(group);
    if (existing) return existing;
    let store = this.stores.get(type);
    if (!store) {
      store = await createStore(type, this.ctx.config, this.ctx.logger);
      await store.connect();
      this.stores.set(type, store);
    }
    const processor = new BatchProcessor({
      store,
      deadLetters: deadLetterSinkFor(this.sink, this.settings.anonymizer, this.ctx.config.anonymizer.dlqEncryptionKeys),
      logger: this.ctx.logger,
      rules: this.settings.rules,
      anonymizer: this.settings.anonymizer,
      mode: 'insert',
      consumerGroup: group,
    });
    this.processors.set(group, processor);
    return processor;
  }

  private onlyStore(): StorageType | undefined {
    const types = this.ctx.config.worker.storageTypes;
    return types.length === 1 ? types[0] : undefined;
  }
}
