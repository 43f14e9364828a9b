import { headerText, HEADERS } from '@app/contracts';
import { PartitionRange, readRangesOnce, TopicAdmin } from '@app/kafka/admin';
import { ledgerSource } from '@app/observability';
import { decodeStep, loadPipelineSettings, rulesStep } from '@app/pipeline';
import { createStore } from '@app/storage';
import type { CliContext } from '../cli-context';
import { UsageError } from '../cli-errors';
import { readDeadLetters } from '../dlq/dlq-reader';
import { requireTopic } from '../replay/replay-plan';
import { AcknowledgedEvent, LedgerRow, LetterRef, tallyStore, UnaccountedEvent } from './ledger-tally';

export interface StoreLedger {
  store: string;
  group: string;
  /** The group's committed offsets reached the window's end on every partition when read. */
  caughtUp: boolean;
  /** Messages of the window the group has not committed yet (0 when caught up). */
  behind: number;
  rows: LedgerRow[];
  totals: Omit<LedgerRow, 'route' | 'keyId' | 'kind' | 'store' | 'droppedBy' | 'deadLetteredBy'>;
  /** The first unaccounted events (position and id), to look up with `dlq`/`replay`. */
  unaccounted: UnaccountedEvent[];
}

export interface LedgerReport {
  topic: string;
  sinceMs: number;
  /** The window read, per partition ([start, end) offsets, captured once). */
  ranges: PartitionRange[];
  stores: StoreLedger[];
}

const SHOWN_UNACCOUNTED = 100;

/**
 * `usage-stats ledger`: accounts for every event of the events topic since a time, per store,
 * from durable evidence only (the topics and the store), never from metrics, which restart.
 */
export class LedgerService {
  constructor(private readonly ctx: CliContext) {}

  async report(sinceMs: number): Promise<LedgerReport> {
    const admin = await this.ctx.admin();
    const { topic } = this.ctx.config.kafka;
    await requireTopic(admin, topic);
    const ranges = await admin.offsetsForRange(topic, sinceMs);
    const events = await this.acknowledged(topic, ranges);
    const letters = (await readDeadLetters(this.ctx, sinceMs)).filter((l) => (l.sourceTopic ?? topic) === topic);
    const stores: StoreLedger[] = [];
    for (const type of this.ctx.config.worker.storageTypes) {
      const group = `${this.ctx.config.kafka.consumerGroup}-${type}`;
      const mine: LetterRef[] = letters.filter((l) => l.consumerGroup === undefined || l.consumerGroup === group);
      const stored = await this.storedIds(type, events);
      const { rows, unaccounted } = tallyStore(type, events, mine, stored);
      const behind = await this.behind(admin, group, topic, ranges);
      stores.push({
        store: type,
        group,
        caughtUp: behind === 0,
        behind,
        rows,
        totals: totalsOf(rows),
        unaccounted: unaccounted.slice(0, SHOWN_UNACCOUNTED),
      });
    }
    return { topic, sinceMs, ranges, stores };
  }

  /** Every message of the window, with its source, kind and whether today's rules drop it. */
  private async acknowledged(topic: string, ranges: PartitionRange[]): Promise<AcknowledgedEvent[]> {
    const rules = rulesStep(loadPipelineSettings(this.ctx.config).rules);
    const out: AcknowledgedEvent[] = [];
    await readRangesOnce(
      this.ctx.kafka,
      { groupId: this.ctx.groupName('ledger'), topic, maxWaitTimeMs: 100 },
      ranges,
      async (batch) => {
        for (const m of batch.messages) {
          const decoded = decodeStep(m);
          const base = { partition: m.partition, offset: m.offset, eventId: headerText(m, HEADERS.eventId) };
          if (decoded.type !== 'ok') {
            out.push({ ...base, kind: 'unknown', route: 'unknown', keyId: 'none' });
            continue;
          }
          const envelope = decoded.value;
          const { route, key_id: keyId } = ledgerSource(envelope.source);
          const ruled = rules(envelope);
          out.push({
            ...base,
            eventId: envelope.id,
            kind: envelope.kind,
            route,
            keyId,
            droppedBy: ruled.type === 'drop' ? ruled.reason : undefined,
          });
        }
      },
      this.ctx.logger,
    );
    return out;
  }

  private async storedIds(
    type: (typeof this.ctx.config.worker.storageTypes)[number],
    events: AcknowledgedEvent[],
  ): Promise<Set<string>> {
    const store = await createStore(type, this.ctx.config, this.ctx.logger);
    if (!store.storedIds)
      throw new UsageError(`the ledger cannot ask the ${type} store which event ids it holds (postgres can)`);
    await store.connect();
    try {
      return await store.storedIds([...new Set(events.flatMap((e) => (e.eventId ? [e.eventId] : [])))]);
    } finally {
      await store.close().catch(() => undefined);
    }
  }

  /** Messages of the window past the group's committed offsets (see "caught up" in docs/operations.md). */
  private async behind(admin: TopicAdmin, group: string, topic: string, ranges: PartitionRange[]): Promise<number> {
    const offsets = await admin.committedOffsets(group, topic);
    const committed = new Map(offsets.map((p) => [p.partition, BigInt(p.offset)]));
    let behind = 0n;
    for (const r of ranges) {
      const at = committed.get(r.partition) ?? -1n;
      const from = at > BigInt(r.start) ? at : BigInt(r.start);
      if (from < BigInt(r.end)) behind += BigInt(r.end) - from;
    }
    return Number(behind);
  }
}

function totalsOf(rows: LedgerRow[]): StoreLedger['totals'] {
  const t = { acknowledged: 0, written: 0, deduplicated: 0, dropped: 0, deadLettered: 0, unaccounted: 0 };
  for (const r of rows) for (const k of Object.keys(t) as Array<keyof typeof t>) t[k] += r[k];
  return t;
}
