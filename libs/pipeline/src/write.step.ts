import { PermanentStoreError, ProcessedEvent, Store, WriteOptions } from '@app/storage';

export interface WriteOutcome {
  written: number;
  duplicates: number;
  /** Event id to the store's reason, for dead-lettering. */
  rejected: Map<string, string>;
}

const NONE: WriteOutcome = { written: 0, duplicates: 0, rejected: new Map() };

/**
 * Hands the batch to the store (the framework, not the sink, batches and retries). A store
 * outage throws through to the consumer, which holds the offsets and retries. A store that
 * refuses the whole batch for good (PermanentStoreError) without saying which events are to
 * blame gets it again in halves until the refused events are alone, so a neighbour's fault
 * never dead-letters a healthy event: k refused events of n cost about k·log2(n) more writes.
 * Re-writing the accepted part is harmless: stores write idempotently by event id.
 */
export async function writeStep(
  store: Store,
  events: ProcessedEvent[],
  mode: WriteOptions['mode'],
): Promise<WriteOutcome> {
  if (events.length === 0) return NONE;
  try {
    const result = await store.writeBatch(events, { mode });
    return {
      written: result.written,
      duplicates: result.duplicates,
      rejected: new Map(result.rejected.map((r) => [r.eventId, r.reason])),
    };
  } catch (err) {
    if (!(err instanceof PermanentStoreError)) throw err;
    if (events.length === 1) {
      const reason = `store refused the event: ${err.message}`;
      return { written: 0, duplicates: 0, rejected: new Map([[events[0].id, reason]]) };
    }
    const mid = Math.ceil(events.length / 2);
    const first = await writeStep(store, events.slice(0, mid), mode);
    const second = await writeStep(store, events.slice(mid), mode);
    return {
      written: first.written + second.written,
      duplicates: first.duplicates + second.duplicates,
      rejected: new Map([...first.rejected, ...second.rejected]),
    };
  }
}
