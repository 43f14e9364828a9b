/** Runs a callback after the current turn of the event loop (setImmediate outside tests). */
export type Defer = (fn: () => void) => void;

/**
 * Gathers items that arrive together into one group. kafkajs hands out one partition's batch
 * at a time: a fetch of 12 partitions becomes 12 concurrent eachBatch calls, and each would be
 * its own dedupe round trip, store write and commit. Every batch of one fetch reaches eachBatch
 * in the same turn of the event loop (kafkajs does no I/O between handing a fetch to its workers
 * and calling eachBatch), so the group is flushed on the next turn, or as soon as it holds `max`
 * items: then every worker kafkajs has is waiting here and nothing else can arrive.
 */
export class BatchGatherer<T> {
  private pending: T[] = [];
  private scheduled = false;

  constructor(
    private readonly max: number,
    private readonly flush: (items: T[]) => void,
    private readonly defer: Defer = setImmediate,
  ) {}

  add(item: T): void {
    this.pending.push(item);
    if (this.pending.length >= this.max) return this.flushNow();
    if (this.scheduled) return;
    this.scheduled = true;
    this.defer(() => {
      this.scheduled = false;
      this.flushNow();
    });
  }

  private flushNow(): void {
    const items = this.pending;
    if (items.length === 0) return;
    this.pending = [];
    this.flush(items);
  }
}
