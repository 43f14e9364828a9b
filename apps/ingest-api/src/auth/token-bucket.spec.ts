import { TokenBuckets } from './token-bucket';

describe('TokenBuckets', () => {
  it('allows a burst, then the sustained rate, and says when to retry', () => {
    const buckets = new TokenBuckets(2, 3);
    const t = 1_000_000;
    expect([0, 0, 0].map(() => buckets.take('a', t))).toEqual([0, 0, 0]);
    expect(buckets.take('a', t)).toBe(1);
    expect(buckets.take('b', t)).toBe(0);
    expect(buckets.take('a', t + 500)).toBe(0);
    expect(buckets.take('a', t + 500)).toBeGreaterThanOrEqual(1);
  });

  it('forgets clients whose bucket is full again', () => {
    const buckets = new TokenBuckets(10, 1);
    buckets.take('a', 0);
    buckets.sweep(60_000);
    expect((buckets as unknown as { buckets: Map<string, unknown> }).buckets.size).toBe(0);
  });

  it('is off at rate 0', () => {
    const buckets = new TokenBuckets(0, 1);
    expect([1, 2, 3].map(() => buckets.take('a'))).toEqual([0, 0, 0]);
  });
});
