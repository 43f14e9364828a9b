import { PermanentStoreError, ProcessedEvent, Store, WriteOptions } from '@app/storage';

export interface WriteOutcome {
  written: number;
  duplicates: number;
  /** Event id to the store's reason, for dead-lettering. */
  rejected: Map<string, string>;
}

/**
 * Hands the batch to the store (the framework, not the sink, batches and retries). A store
 * outage throws through to the consumer, which holds the offsets and retries; a store that
 * refuses the whole batch for good has it dead-lettered.
 */
export async function writeStep(store: Store, events: ProcessedEvent[], mode: WriteOptions['mode']): Promise<WriteOutcome> {
  if (events.length === 0) return { written: 0, duplicates: 0, rejected: new Map() };
  try {
    const result = await store.writeBatch(events, { mode });
    return { written: result.written, duplicates: result.duplicates, rejected: new Map(result.rejected.map((r) => [r.eventId, r.reason])) };
  } catch (err) {
    if (!(err instanceof PermanentStoreError)) throw err;
    return { written: 0, duplicates: 0, rejected: new Map(events.map((e) => [e.id, `store refused the batch: ${err.message}`])) };
  }
}
