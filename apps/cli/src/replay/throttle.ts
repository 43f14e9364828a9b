import { InterruptedError } from '../cli-errors';

/**
 * Keeps a replay at `--max-rate` events per second so live ingest keeps its share of the
 * store. Each chunk may go once the previous ones have "paid" for their events; waiting
 * happens in slices so the consumer can heartbeat meanwhile.
 */
export class Throttle {
  private nextFree = 0;

  constructor(
    private readonly ratePerSecond: number | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Events per chunk: about a quarter second's worth, so writes stay smooth instead of bursting. */
  chunkSize(max: number): number {
    return this.ratePerSecond ? Math.max(1, Math.min(max, Math.floor(this.ratePerSecond / 4))) : max;
  }

  /** How long to wait before `n` more events may go, and books them. */
  book(n: number): number {
    if (!this.ratePerSecond) return 0;
    const now = this.now();
    const start = Math.max(now, this.nextFree);
    this.nextFree = start + (n * 1_000) / this.ratePerSecond;
    return start - now;
  }

  async acquire(n: number, heartbeat: () => Promise<void>, signal?: AbortSignal, sliceMs = 1_000): Promise<void> {
    const until = this.now() + this.book(n);
    while (this.now() < until) {
      if (signal?.aborted) throw new InterruptedError('stopped before the end');
      await new Promise((resolve) => setTimeout(resolve, Math.min(sliceMs, until - this.now())));
      await heartbeat();
    }
  }
}
