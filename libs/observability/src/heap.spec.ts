import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { runInNewContext } from 'node:vm';
import { collectFirstUnderLoad, collectGarbage } from './heap';

/** The kinds of the collections V8 reports while fn runs (entries arrive asynchronously). */
async function collectionsDuring(fn: () => void): Promise<number[]> {
  const kinds: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries() as (PerformanceEntry & { detail?: { kind: number } })[]) {
      if (entry.detail) kinds.push(entry.detail.kind);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  fn();
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  return kinds;
}

describe('collectGarbage', () => {
  it('runs a full (mark-compact) collection', async () => {
    const kinds = await collectionsDuring(collectGarbage);
    expect(kinds).toContain(constants.NODE_PERFORMANCE_GC_MAJOR);
  });

  it('leaves gc unexposed, in this context and in contexts created afterwards', () => {
    collectGarbage();
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
    expect(runInNewContext('typeof gc')).toBe('undefined');
  });
});

describe('collectFirstUnderLoad', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const MB = 1_048_576;

  it('collects once, when the old space reaches 1.25x its size at start, and then stops looking', () => {
    let oldSpace = 40 * MB;
    const looks = jest.fn(() => oldSpace);
    const collect = jest.fn();
    collectFirstUnderLoad({ intervalMs: 500, oldSpaceBytes: looks, collect });

    oldSpace = 49 * MB;
    jest.advanceTimersByTime(5_000);
    expect(collect).not.toHaveBeenCalled();

    oldSpace = 50 * MB;
    jest.advanceTimersByTime(500);
    expect(collect).toHaveBeenCalledTimes(1);

    const looksSoFar = looks.mock.calls.length;
    oldSpace = 200 * MB;
    jest.advanceTimersByTime(60_000);
    expect(collect).toHaveBeenCalledTimes(1);
    expect(looks).toHaveBeenCalledTimes(looksSoFar);
  });

  it('never collects once stopped', () => {
    let oldSpace = 40 * MB;
    const collect = jest.fn();
    const watch = collectFirstUnderLoad({ growth: 2, oldSpaceBytes: () => oldSpace, collect });
    watch.stop();
    oldSpace = 400 * MB;
    jest.advanceTimersByTime(60_000);
    expect(collect).not.toHaveBeenCalled();
  });
});
