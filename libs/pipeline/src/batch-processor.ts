import type { Anonymizer } from '@app/anonymizer';
import {
  CommitOffset,
  ConsumedMessage,
  DeadLetter,
  DeadLetterStage,
  EVENT_KINDS,
  EventKind,
  HEADERS,
} from '@app/contracts';
import { ledgerSource, LedgerSource, LedgerStage, type Logger } from '@app/observability';
import { RuleEngine } from '@app/rules';
import { eventIdOf, type ProcessedEvent, type Store, type WriteOptions } from '@app/storage';
import { anonymizeStep } from './anonymize.step';
import { batchCorrelationIds, correlationIdForLog } from './correlation-log';
import type { DeadLetterSink } from './dead-letter';
import type { GuardHolds } from './guard-holds';
import { decodeStep } from './decode.step';
import { DedupeIndex, DedupeStep } from './dedupe.step';
import { nextOffsets } from './pipeline-message';
import type { PipelineMetrics } from './pipeline.metrics';
import { rulesStep } from './rules.step';
import { writeStep } from './write.step';

export interface BatchProcessorOptions {
  store: Store;
  deadLetters: DeadLetterSink;
  logger: Logger;
  rules?: RuleEngine;
  /** Absent when ANONYMIZATION_ENABLED=false. */
  anonymizer?: Anonymizer;
  /** Absent to skip the Redis window (a replay in replace mode must rewrite what is stored). */
  dedupe?: DedupeIndex;
  mode?: WriteOptions['mode'];
  /**
   * Hold the batch rather than dead-letter more than maxRatio of it in decode, rules or
   * anonymize (when it has at least minBatch messages), until an operator releases it through
   * `holds`. Armed only until this processor has stored its first event: see guard().
   */
  guard?: { maxRatio: number; minBatch: number; holds?: GuardHolds };
  consumerGroup?: string;
  metrics?: PipelineMetrics;
  /** The API's correlation-id key (ANONYMIZATION_KEY): log lines carry a non-opaque id only in its keyed form. */
  correlationKey?: string;
}

export interface BatchCounts {
  consumed: number;
  written: number;
  duplicates: number;
  dropped: number;
  deadLettered: number;
}

export interface BatchOutcome {
  /** Offsets that may be committed now: the store has everything before them. */
  commits: CommitOffset[];
  counts: BatchCounts;
  /**
   * Partitions of a batch spanning several that the mass dead-letter guard holds: nothing of
   * theirs was written or dead-lettered, they are retried (a one-partition batch throws instead).
   */
  held: Array<{ topic: string; partition: number; error: SuspiciousBatchError }>;
}

/** Thrown instead of dead-lettering most of a batch: a bug or a broken rule is likelier than that much poison. */
export class SuspiciousBatchError extends Error {
  override readonly name = 'SuspiciousBatchError';
}

interface Prepared {
  events: Array<{ event: ProcessedEvent; message: ConsumedMessage }>;
  letters: DeadLetter[];
  dropped: Array<{ kind: EventKind | 'unknown'; reason: string; source: LedgerSource; message: ConsumedMessage }>;
  /** The envelope source of letters whose envelope decoded (ledger labels). */
  letterSources: Map<ConsumedMessage, LedgerSource>;
}

/**
 * Runs one batch end to end: decode, rules, anonymize, dedupe, write, dead letters, dedupe
 * marks; then says what may be committed. Throws (and the caller retries, committing nothing)
 * on a store outage, a dead-letter topic outage, or a suspicious batch. Every side effect is
 * idempotent, so a retried or redelivered batch changes nothing twice.
 */
export class BatchProcessor {
  private readonly dedupe: DedupeStep;
  private readonly rules: ReturnType<typeof rulesStep>;
  private readonly anonymize: ReturnType<typeof anonymizeStep>;
  private readonly label: string;
  /** Set once a batch stored an event: the deployment (rules, anonymizer, store schema) works. */
  private proven = false;
  /** First refusal time of each held partition, for the hold record. */
  private readonly heldSince = new Map<string, number>();

  constructor(private readonly o: BatchProcessorOptions) {
    this.dedupe = new DedupeStep(o.dedupe, o.logger);
    this.rules = rulesStep(o.rules ?? RuleEngine.empty());
    this.anonymize = anonymizeStep(o.anonymizer);
    this.label = o.store.type;
  }

  async process(batch: ConsumedMessage[]): Promise<BatchOutcome> {
    const m = this.o.metrics;
    m?.batchSize.observe({ store: this.label }, batch.length);
    const all = this.prepare(batch);
    const { held, messages, prepared } = await this.guardPartitions(batch, all);
    const { fresh, duplicates, checked } = await this.dedupe.filter(prepared.events.map(eventOf));
    if (!checked && this.o.dedupe) m?.dedupeUnavailable.inc({ store: this.label });

    const timer = m?.writeSeconds.startTimer({ store: this.label });
    const written = await writeStep(this.o.store, fresh, this.o.mode ?? 'insert');
    timer?.();
    const byId = written.rejected.size === 0 ? undefined : new Map(prepared.events.map((e) => [e.event.id, e.message]));
    const rejected = [...written.rejected].map(([eventId, detail]): DeadLetter => ({
      message: byId!.get(eventId)!,
      stage: 'write',
      reason: 'store_rejected',
      detail,
      eventId,
      consumerGroup: this.o.consumerGroup,
    }));
    const letters = [...prepared.letters, ...rejected];

    await this.o.deadLetters.publish(letters);
    const stored = written.rejected.size === 0 ? fresh : fresh.filter((e) => !written.rejected.has(e.id));
    await this.dedupe.mark(stored.map(eventIdOf));
    if (stored.length > 0) this.proven = true;
    await this.unhold(messages);

    this.record(prepared, stored, duplicates, written.written, written.duplicates, letters);
    this.recordLedger(prepared, stored, duplicates, written.duplicates, letters);
    return {
      commits: nextOffsets(messages),
      held,
      counts: {
        consumed: messages.length,
        written: written.written,
        duplicates: duplicates.length + written.duplicates,
        dropped: prepared.dropped.length,
        deadLettered: letters.length,
      },
    };
  }

  private prepare(messages: ConsumedMessage[]): Prepared {
    const out: Prepared = { events: [], letters: [], dropped: [], letterSources: new Map() };
    const consumed = new Map<string, number>();
    const letter = (
      message: ConsumedMessage,
      stage: DeadLetterStage,
      reason: string,
      detail?: string,
      eventId?: string,
    ) => out.letters.push({ message, stage, reason, detail, eventId, consumerGroup: this.o.consumerGroup });
    for (const message of messages) {
      const kind = kindHeader(message);
      consumed.set(kind, (consumed.get(kind) ?? 0) + 1);
      const decoded = decodeStep(message);
      if (decoded.type === 'dlq') letter(message, 'decode', decoded.reason, decoded.detail);
      if (decoded.type !== 'ok') continue;
      const envelope = decoded.value;
      out.letterSources.set(message, envelope.source);
      const ruled = this.rules(envelope);
      if (ruled.type === 'drop')
        out.dropped.push({ kind: envelope.kind, reason: ruled.reason, source: envelope.source, message });
      if (ruled.type === 'dlq') letter(message, 'rules', ruled.reason, ruled.detail, envelope.id);
      if (ruled.type !== 'ok') continue;
      const anonymized = this.anonymize(ruled.value);
      if (anonymized.type === 'dlq') letter(message, 'anonymize', anonymized.reason, anonymized.detail, envelope.id);
      if (anonymized.type === 'ok') out.events.push({ event: anonymized.value, message });
    }
    // One increment per label set and batch: prom-client hashes the labels on every call.
    for (const [kind, n] of consumed) this.o.metrics?.consumed.inc({ store: this.label, kind }, n);
    return out;
  }

  /**
   * The guard below, per partition of the batch: a batch that spans partitions (the worker
   * coalesces a fetch) holds only the partitions that trip it and goes on with the others.
   */
  private async guardPartitions(
    batch: ConsumedMessage[],
    all: Prepared,
  ): Promise<{ held: BatchOutcome['held']; messages: ConsumedMessage[]; prepared: Prepared }> {
    const unchanged = { held: [], messages: batch, prepared: all };
    if (!this.o.guard || this.proven || all.letters.length === 0) return unchanged;
    const groups = byPartition(batch);
    if (groups.length === 1) {
      await this.guard(batch, all.letters.length);
      return unchanged;
    }
    const held: BatchOutcome['held'] = [];
    const out = new Set<ConsumedMessage>();
    for (const group of groups) {
      const members = new Set(group);
      try {
        await this.guard(group, all.letters.filter((l) => members.has(l.message)).length);
      } catch (error) {
        if (!(error instanceof SuspiciousBatchError)) throw error;
        held.push({ topic: group[0].topic, partition: group[0].partition, error });
        for (const message of group) out.add(message);
      }
    }
    if (held.length === 0) return unchanged;
    const keep = <T extends { message: ConsumedMessage }>(xs: T[]) => xs.filter((x) => !out.has(x.message));
    const prepared = { ...all, events: keep(all.events), letters: keep(all.letters), dropped: keep(all.dropped) };
    return { held, messages: batch.filter((message) => !out.has(message)), prepared };
  }

  /**
   * The mass dead-letter guard, on the pipeline's own refusals (decode, rules, anonymize): that
   * many in one batch, before this consumer has stored anything, more likely means a broken
   * deployment (a rule that throws on everything, a foreign producer on the topic) than bad data,
   * so the batch is held (thrown before the write, retried with backoff, its partition paused)
   * until the deployment is fixed or an operator releases it with `usage-stats dlq release`.
   * Once the consumer has stored an event the deployment is proven to work and refusals are the
   * data's fault: they are dead-lettered, so a hostile burst cannot stall a partition. Rows the
   * store refuses are never held: the store judged each record (a too-old sample for remote
   * write, a value jsonb cannot hold), so they are isolated and dead-lettered like any record-level
   * refusal. Dead letters can be replayed (`usage-stats dlq replay`), so nothing is lost.
   */
  private async guard(messages: ConsumedMessage[], letters: number): Promise<void> {
    const g = this.o.guard;
    const size = messages.length;
    if (!g || this.proven || letters === 0 || size < g.minBatch || letters / size <= g.maxRatio) return;
    const { topic, partition, offset } = messages[0];
    const group = this.o.consumerGroup ?? '';
    const key = `${topic}\u0000${partition}`;
    const since = this.heldSince.get(key) ?? Date.now();
    // Remembered before the release check too: unhold() clears the release once the batch is done.
    this.heldSince.set(key, since);
    if (await g.holds?.isReleased(group, topic, partition)) {
      const correlationIds = batchCorrelationIds(messages, this.o.correlationKey);
      this.o.logger.warn(
        { topic, partition, offset, size, letters, correlationIds },
        'held batch released by an operator',
      );
      return;
    }
    await g.holds?.hold({ group, topic, partition, offset, size, letters, since });
    const over = `${letters} of ${size} messages would be dead-lettered (over ${Math.round(g.maxRatio * 100)}%)`;
    const release = `usage-stats dlq release --group ${group} --partition ${partition}`;
    throw new SuspiciousBatchError(`${over}; holding the partition until the deployment is fixed or \`${release}\``);
  }

  private async unhold(messages: ConsumedMessage[]): Promise<void> {
    if (this.heldSince.size === 0) return;
    for (const [first] of byPartition(messages)) {
      if (!this.heldSince.delete(`${first.topic}\u0000${first.partition}`)) continue;
      await this.o.guard?.holds?.clear(this.o.consumerGroup ?? '', first.topic, first.partition);
    }
  }

  private recordLedger(
    p: Prepared,
    stored: ProcessedEvent[],
    dups: Array<{ event: ProcessedEvent; layer: string }>,
    storeDups: number,
    letters: DeadLetter[],
  ): void {
    if (this.o.metrics)
      ledgerOf(this.o.metrics.ledger, this.label, this.o.mode === 'replace', p, stored, dups, storeDups, letters);
  }

  private record(
    p: Prepared,
    stored: ProcessedEvent[],
    dups: Array<{ event: ProcessedEvent; layer: string }>,
    written: number,
    storeDups: number,
    letters: DeadLetter[],
  ): void {
    const m = this.o.metrics;
    const store = this.label;
    for (const d of p.dropped) m?.dropped.inc({ store, kind: d.kind, reason: d.reason });
    for (const d of dups) m?.deduplicated.inc({ store, kind: d.event.kind, layer: d.layer });
    if (m) for (const [kind, n] of tally(stored, kindOf)) m.stored.inc({ store, kind }, n);
    if (storeDups > 0) m?.deduplicated.inc({ store, kind: 'any', layer: 'store' }, storeDups);
    m?.written.inc({ store }, written);
    for (const l of letters) {
      m?.deadLettered.inc({ store, stage: l.stage, reason: l.reason });
      // Position, reason code and ids only: the detail may quote personal data.
      const { topic, partition, offset } = l.message;
      const correlationId = correlationIdForLog(l.message, this.o.correlationKey);
      const line = { stage: l.stage, reason: l.reason, topic, partition, offset, eventId: l.eventId, correlationId };
      this.o.logger.warn(line, 'message dead-lettered');
    }
  }
}

/**
 * The delivery ledger's worker stages. A store that found some of the batch already written
 * (a redelivery after a crash) says how many, not which: that batch's written and deduplicated
 * counts then carry route, key_id and kind "mixed", so totals stay exact.
 */
function ledgerOf(
  m: PipelineMetrics['ledger'],
  store: string,
  replay: boolean,
  p: Prepared,
  stored: ProcessedEvent[],
  dups: Array<{ event: ProcessedEvent; layer: string }>,
  storeDups: number,
  letters: DeadLetter[],
): void {
  const at = (source: LedgerSource | undefined, kind: string, reason = '') => {
    const { route, key_id } = ledgerSource(source);
    return { route, key_id, kind, store, reason };
  };
  const writtenStage: LedgerStage = replay ? 'replayed' : 'written';
  for (const d of p.dropped) m.count('dropped', at(d.source, d.kind, d.reason));
  for (const d of dups) m.count('deduplicated', at(d.event.source, d.event.kind, d.layer));
  if (storeDups === 0) {
    // One increment per label set: prom-client hashes the labels on every call.
    const groups = new Map<string, { e: ProcessedEvent; n: number }>();
    for (const e of stored) {
      const k = `${e.source?.route}\u0000${e.source?.apiKeyId}\u0000${e.kind}`;
      const group = groups.get(k);
      if (group) group.n++;
      else groups.set(k, { e, n: 1 });
    }
    for (const { e, n } of groups.values()) m.count(writtenStage, at(e.source, e.kind), n);
  } else {
    const mixed = { route: 'mixed', key_id: 'mixed', kind: 'mixed', store };
    m.count(writtenStage, { ...mixed, reason: '' }, stored.length - storeDups);
    m.count('deduplicated', { ...mixed, reason: 'store' }, storeDups);
  }
  if (letters.length === 0) return;
  const bySource = new Map(p.events.map((e) => [e.event.id, e.event.source]));
  for (const l of letters) {
    const source = p.letterSources.get(l.message) ?? (l.eventId ? bySource.get(l.eventId) : undefined);
    m.count('dead_lettered', at(source, kindHeader(l.message), l.reason));
  }
}

// Per-event callbacks defined once, not per batch (docs/operations.md, "Closures on the hot path").
const eventOf = (e: { event: ProcessedEvent }): ProcessedEvent => e.event;
const kindOf = (e: ProcessedEvent): string => e.kind;

/** How many items share each key. */
function tally<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) {
    const k = keyOf(item);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

/** The batch's messages grouped by topic-partition, in order of first appearance. */
function byPartition(messages: ConsumedMessage[]): ConsumedMessage[][] {
  const groups = new Map<string, ConsumedMessage[]>();
  for (const m of messages) {
    const key = `${m.topic}\u0000${m.partition}`;
    const group = groups.get(key);
    if (group) group.push(m);
    else groups.set(key, [m]);
  }
  return [...groups.values()];
}

function kindHeader(message: ConsumedMessage): string {
  const raw = message.headers[HEADERS.kind];
  const value = Array.isArray(raw) ? raw[0] : raw;
  const kind = value === undefined ? '' : value.toString();
  return (EVENT_KINDS as readonly string[]).includes(kind) ? kind : 'unknown';
}
