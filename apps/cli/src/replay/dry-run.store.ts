import type { DeadLetter } from '@app/contracts';
import type { DeadLetterSink } from '@app/pipeline';
import type { ProcessedEvent, Store, StoreHealth, WriteResult } from '@app/storage';

/** Stands in for the store in a dry run: takes everything, writes nothing (the pipeline counts). */
export class DryRunStore implements Store {
  constructor(readonly type: Store['type']) {}

  async connect(): Promise<void> {}

  async close(): Promise<void> {}

  async health(): Promise<StoreHealth> {
    return { ok: true };
  }

  async writeBatch(events: ProcessedEvent[]): Promise<WriteResult> {
    return { written: events.length, duplicates: 0, rejected: [] };
  }
}

/** Dead letters of a dry run are only counted (by the pipeline's metrics), never published. */
export class DiscardingSink implements DeadLetterSink {
  async publish(_letters: DeadLetter[]): Promise<void> {}
}
