import { mapBounded } from './bounded-map';
import { delayUntilNextRound, pause } from './schedule';

describe('delayUntilNextRound', () => {
  const day = 86_400_000;
  it('starts rounds a period apart, counted from the previous start', () => {
    expect(delayUntilNextRound(1_000, 31_000, day)).toBe(86_370_000);
  });
  it('runs at once after a round that overran its period', () => {
    expect(delayUntilNextRound(1_000, 1_000 + day + 5, day)).toBe(0);
  });
});

describe('pause', () => {
  it('ends early, with false, when the signal fires', async () => {
    const abort = new AbortController();
    const waiting = pause(60_000, abort.signal);
    abort.abort();
    await expect(waiting).resolves.toBe(false);
    await expect(pause(10, abort.signal)).resolves.toBe(false);
  });
  it('runs to its end, with true, otherwise', async () => {
    await expect(pause(5, new AbortController().signal)).resolves.toBe(true);
  });
});

describe('mapBounded', () => {
  it('keeps at most `limit` calls in flight and returns results in input order', async () => {
    let inFlight = 0;
    let peak = 0;
    const results = await mapBounded([5, 1, 4, 2, 3], 2, async (ms) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, ms));
      inFlight--;
      return ms * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });
  it('handles an empty list', async () => {
    await expect(mapBounded([], 4, async (n: number) => n)).resolves.toEqual([]);
  });
});
