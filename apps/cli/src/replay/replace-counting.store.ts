import type { ProcessedEvent, Store, StoreHealth, WriteOptions, WriteResult } from '@app/storage';

/**
 * Replace-mode writes that tell new rows from replaced ones with nothing but the Store
 * contract: an insert pass first (what it writes was missing), then a replace pass over the
 * batch whenever anything may be stale: some ids were already stored, or the batch holds a
 * push. A push is one event of many rows: changed rules may map it to other series, so its
 * insert pass writes the new samples (and counts as written) while the old ones stay; only
 * the replace pass deletes them. Both passes are idempotent, so a crash between them is
 * harmless. Costs a second write for batches of existing events and of pushes.
 *
 * Counts: `inserted` are events the store lacked at least one row of (a push whose series
 * changed counts here), `replaced` the rest of those the replace pass rewrote.
 */
export class ReplaceCountingStore implements Store {
  inserted = 0;
  replaced = 0;

  constructor(private readonly inner: Store) {}

  get type(): Store['type'] {
    return this.inner.type;
  }

  connect(): Promise<void> {
    return this.inner.connect();
  }

  health(): Promise<StoreHealth> {
    return this.inner.health();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  async writeBatch(events: ProcessedEvent[], options?: WriteOptions): Promise<WriteResult> {
    if (options?.mode !== 'replace') return this.inner.writeBatch(events, options);
    const first = await this.inner.writeBatch(events, { mode: 'insert' });
    if (first.duplicates === 0 && !events.some((e) => e.kind === 'metrics')) {
      this.inserted += first.written;
      return first;
    }
    const refused = new Set(first.rejected.map((r) => r.eventId));
    const second = await this.inner.writeBatch(
      events.filter((e) => !refused.has(e.id)),
      { mode: 'replace' },
    );
    this.inserted += first.written;
    this.replaced += Math.max(0, second.written - first.written);
    return {
      written: second.written,
      duplicates: second.duplicates,
      rejected: [...first.rejected, ...second.rejected],
    };
  }
}
