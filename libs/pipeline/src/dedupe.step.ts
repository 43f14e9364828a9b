import type { Logger } from '@app/observability';
import { eventIdOf, type ProcessedEvent } from '@app/storage';

/** Remembers which event ids a store already has, for the dedupe window. */
export interface DedupeIndex {
  /** For each id, whether it was marked within the window. */
  seen(ids: string[]): Promise<boolean[]>;
  /** Marks ids as stored. Only called once the store confirmed them. */
  mark(ids: string[]): Promise<void>;
}

export interface DedupeResult {
  fresh: ProcessedEvent[];
  duplicates: Array<{ event: ProcessedEvent; layer: 'batch' | 'index' }>;
  /** False when the index could not be asked (Redis down): the store's unique key is the guard then. */
  checked: boolean;
}

/**
 * Drops events already stored. Ids are marked only after the store confirmed the write, so a
 * crash between check and write can never make an unwritten event look seen; and an index
 * that is down is skipped, not waited for.
 */
export class DedupeStep {
  private available = true;

  constructor(
    private readonly index: DedupeIndex | undefined,
    private readonly logger: Logger,
  ) {}

  async filter(events: ProcessedEvent[]): Promise<DedupeResult> {
    const ids = new Set<string>();
    const unique: ProcessedEvent[] = [];
    const duplicates: DedupeResult['duplicates'] = [];
    for (const event of events) {
      if (ids.has(event.id)) {
        duplicates.push({ event, layer: 'batch' });
      } else {
        ids.add(event.id);
        unique.push(event);
      }
    }
    if (!this.index || unique.length === 0) return { fresh: unique, duplicates, checked: this.index !== undefined };
    let flags: boolean[];
    try {
      flags = await this.index.seen(unique.map(eventIdOf));
      this.setAvailable(true);
    } catch (err) {
      this.setAvailable(false, err);
      return { fresh: unique, duplicates, checked: false };
    }
    // A loop, not a closure made per batch (docs/operations.md, "Closures on the hot path").
    const fresh: ProcessedEvent[] = [];
    for (let i = 0; i < unique.length; i++) {
      if (flags[i]) duplicates.push({ event: unique[i], layer: 'index' });
      else fresh.push(unique[i]);
    }
    return { fresh, duplicates, checked: true };
  }

  /** Best effort: a mark that fails only costs a duplicate write later, which the store ignores. */
  async mark(ids: string[]): Promise<boolean> {
    if (!this.index || ids.length === 0) return true;
    try {
      await this.index.mark(ids);
      this.setAvailable(true);
      return true;
    } catch (err) {
      this.setAvailable(false, err);
      return false;
    }
  }

  // Logged on change only: a Redis outage must not flood the logs with one line per batch.
  private setAvailable(available: boolean, err?: unknown): void {
    if (available === this.available) return;
    this.available = available;
    if (available) this.logger.info('dedupe index reachable again');
    else
      this.logger.warn(
        { err: (err as Error)?.message },
        "dedupe index unreachable; relying on the store's unique event id",
      );
  }
}
