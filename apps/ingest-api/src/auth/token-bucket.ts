const MAX_CLIENTS = 100_000;

/**
 * Per-client token buckets: `ratePerSecond` sustained, `burst` at once. Memory stays bounded:
 * buckets that have refilled completely carry no state and are dropped by `sweep`.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private lastSweep = 0;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
  ) {}

  get enabled(): boolean {
    return this.ratePerSecond > 0;
  }

  /** 0 when the request may proceed, else the seconds until a token is available. */
  take(client: string, now = Date.now()): number {
    if (!this.enabled) return 0;
    if (now - this.lastSweep > 10_000 || this.buckets.size > MAX_CLIENTS) this.sweep(now);
    const bucket = this.buckets.get(client);
    const tokens = bucket
      ? Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.ratePerSecond)
      : this.burst;
    if (tokens >= 1) {
      this.buckets.set(client, { tokens: tokens - 1, at: now });
      return 0;
    }
    this.buckets.set(client, { tokens, at: now });
    return Math.max(1, Math.ceil((1 - tokens) / this.ratePerSecond));
  }

  sweep(now = Date.now()): void {
    this.lastSweep = now;
    for (const [client, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.ratePerSecond >= this.burst) this.buckets.delete(client);
    }
    // Still too many distinct clients (a spray of addresses): forget them rather than grow without bound.
    if (this.buckets.size > MAX_CLIENTS) this.buckets.clear();
  }
}
