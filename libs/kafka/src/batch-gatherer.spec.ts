import { BatchGatherer } from './batch-gatherer';

/** A hand-driven next turn of the event loop. */
function manualDefer() {
  const queued: Array<() => void> = [];
  return {
    defer: (fn: () => void) => void queued.push(fn),
    turn: () => queued.splice(0).forEach((fn) => fn()),
    queued: () => queued.length,
  };
}

describe('BatchGatherer', () => {
  it('flushes what arrived in one turn as one group, on the next turn', () => {
    const loop = manualDefer();
    const groups: string[][] = [];
    const g = new BatchGatherer<string>(64, (items) => groups.push(items), loop.defer);
    g.add('p0');
    g.add('p1');
    g.add('p2');
    expect(groups).toEqual([]);
    expect(loop.queued()).toBe(1);
    loop.turn();
    expect(groups).toEqual([['p0', 'p1', 'p2']]);
  });

  it('flushes at once when it holds max items: every worker waits, nothing else can arrive', () => {
    const loop = manualDefer();
    const groups: string[][] = [];
    const g = new BatchGatherer<string>(2, (items) => groups.push(items), loop.defer);
    g.add('a');
    g.add('b');
    expect(groups).toEqual([['a', 'b']]);
    g.add('c');
    loop.turn();
    expect(groups).toEqual([['a', 'b'], ['c']]);
  });

  it('with max 1 hands each item over alone, synchronously, never deferring', () => {
    const loop = manualDefer();
    const groups: string[][] = [];
    const g = new BatchGatherer<string>(1, (items) => groups.push(items), loop.defer);
    g.add('a');
    g.add('b');
    expect(groups).toEqual([['a'], ['b']]);
    expect(loop.queued()).toBe(0);
  });

  it('starts a new group for what arrives after a flush', () => {
    const loop = manualDefer();
    const groups: string[][] = [];
    const g = new BatchGatherer<string>(8, (items) => groups.push(items), loop.defer);
    g.add('a');
    loop.turn();
    g.add('b');
    g.add('c');
    loop.turn();
    loop.turn();
    expect(groups).toEqual([['a'], ['b', 'c']]);
  });

  it('gathers the eachBatch calls of one real event-loop turn by default (setImmediate)', async () => {
    const groups: number[][] = [];
    const g = new BatchGatherer<number>(64, (items) => groups.push(items));
    // kafkajs starts its workers' eachBatch calls in one synchronous loop, each after a few awaits.
    await Promise.all([0, 1, 2, 3].map(async (p) => (await Promise.resolve(), g.add(p))));
    await new Promise((resolve) => setImmediate(resolve));
    expect(groups).toEqual([[0, 1, 2, 3]]);
  });
});
