import { Throttle } from './throttle';

describe('Throttle', () => {
  it('spaces chunks so the average rate is the limit', () => {
    let now = 0;
    const t = new Throttle(100, () => now);
    expect(t.book(25)).toBe(0);
    expect(t.book(25)).toBe(250);
    now = 1_000;
    // Idle time is not saved up as a burst.
    expect(t.book(50)).toBe(0);
    expect(t.book(50)).toBe(500);
  });

  it('does not wait without a limit, and sizes chunks to a quarter second', () => {
    const t = new Throttle(undefined);
    expect(t.book(10_000)).toBe(0);
    expect(t.chunkSize(500)).toBe(500);
    expect(new Throttle(200).chunkSize(500)).toBe(50);
    expect(new Throttle(2).chunkSize(500)).toBe(1);
  });
});
