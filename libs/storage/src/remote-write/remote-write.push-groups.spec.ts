import { SeriesSet } from './remote-write.mapping';
import { decodeWriteRequest, encodeWriteRequest, Series } from './remote-write.proto';
import type { GroupState } from '../push-group.state';
import { deserializeGroup, serializeGroup } from './remote-write.group-memory';
import { isStaleNaN, PushGroupMemory, PushGroupTracker, STALE_NAN } from './remote-write.push-groups';
import type { ProcessedEvent } from '../store';

type Fam = { name: string; samples: Array<{ labels?: Record<string, string>; value: number }> };

function push(op: string, receivedAt: number, families: Fam[] = []): ProcessedEvent {
  return {
    id: `${op}-${receivedAt}`,
    kind: 'metrics',
    receivedAt,
    correlationId: 'c',
    source: { route: '/metrics/job/*' },
    payload: {
      op,
      job: 'j',
      grouping: { instance: 'i' },
      families: families.map((f) => ({
        name: f.name,
        type: 'gauge',
        samples: f.samples.map((s) => ({ name: f.name, labels: s.labels ?? {}, value: s.value })),
      })),
    },
  };
}

/** What the tracker adds for a batch, as `name{labels}@t=value` (STALE for a staleness marker). */
async function added(tracker: PushGroupTracker, events: ProcessedEvent[], commit = true): Promise<string[]> {
  const set = new SeriesSet();
  const prepared = await tracker.prepare(events);
  prepared.addTo(set);
  if (commit) await prepared.commit();
  return set
    .list()
    .flatMap((s: Series) =>
      s.samples.map((p) => {
        const labels = s.labels
          .filter((l) => l.name !== '__name__')
          .map((l) => `${l.name}=${l.value}`)
          .join(',');
        return `${s.labels.find((l) => l.name === '__name__')?.value}{${labels}}@${p.timestamp}=${isStaleNaN(p.value) ? 'STALE' : p.value}`;
      }),
    )
    .sort();
}

const A = { name: 'a', samples: [{ value: 1 }] };
const B = {
  name: 'b',
  samples: [
    { labels: { x: '1' }, value: 2 },
    { labels: { x: '2' }, value: 3 },
  ],
};

describe('PushGroupTracker', () => {
  it('adds push_time_seconds and push_failure_time_seconds with every push', async () => {
    expect(await added(new PushGroupTracker(), [push('put', 5000, [A])])).toEqual([
      'push_failure_time_seconds{instance=i,job=j}@5000=0',
      'push_time_seconds{instance=i,job=j}@5000=5',
    ]);
  });

  it('marks the series a PUT with fewer families and a DELETE removed as stale', async () => {
    const tracker = new PushGroupTracker();
    await added(tracker, [push('put', 1000, [A, B])]);
    expect(
      await added(tracker, [push('put', 2000, [{ name: 'b', samples: [{ labels: { x: '1' }, value: 5 }] }])]),
    ).toEqual([
      'a{instance=i,job=j}@2000=STALE',
      'b{instance=i,job=j,x=2}@2000=STALE',
      'push_failure_time_seconds{instance=i,job=j}@2000=0',
      'push_time_seconds{instance=i,job=j}@2000=2',
    ]);
    expect(await added(tracker, [push('delete', 3000)])).toEqual([
      'b{instance=i,job=j,x=1}@3000=STALE',
      'push_failure_time_seconds{instance=i,job=j}@3000=STALE',
      'push_time_seconds{instance=i,job=j}@3000=STALE',
    ]);
  });

  it("POST marks only the replaced family's missing series; a refused push moves the failure time", async () => {
    const tracker = new PushGroupTracker();
    expect(
      await added(tracker, [
        push('put', 1000, [A, B]),
        push('post', 2000, [{ name: 'b', samples: [{ labels: { x: '3' }, value: 1 }] }]),
        push('fail', 3000),
      ]),
    ).toEqual([
      'b{instance=i,job=j,x=1}@2000=STALE',
      'b{instance=i,job=j,x=2}@2000=STALE',
      'push_failure_time_seconds{instance=i,job=j}@1000=0',
      'push_failure_time_seconds{instance=i,job=j}@2000=0',
      'push_failure_time_seconds{instance=i,job=j}@3000=3',
      'push_time_seconds{instance=i,job=j}@1000=1',
      'push_time_seconds{instance=i,job=j}@2000=2',
      'push_time_seconds{instance=i,job=j}@3000=2',
    ]);
  });

  it('keeps its state only when the batch is committed, so a retried batch sends the same markers', async () => {
    const tracker = new PushGroupTracker();
    await added(tracker, [push('put', 1000, [A])]);
    const retry = [push('put', 2000, [B])];
    const first = await added(tracker, retry, false);
    expect(await added(tracker, retry)).toEqual(first);
    expect(first).toContain('a{instance=i,job=j}@2000=STALE');
    expect(await added(tracker, [push('put', 1500, [A])])).toEqual([]);
  });

  it('a series removed and pushed again at the same instant is not stale', async () => {
    const tracker = new PushGroupTracker();
    await added(tracker, [push('put', 1000, [A])]);
    expect(await added(tracker, [push('put', 2000, [B]), push('post', 2000, [A])])).not.toContain(
      'a{instance=i,job=j}@2000=STALE',
    );
  });

  it('forgets the least recently pushed groups beyond its cap', async () => {
    const tracker = new PushGroupTracker(2);
    const group = (n: number, t: number): ProcessedEvent => ({
      ...push('put', t, [A]),
      id: `g${n}`,
      payload: { ...push('put', t, [A]).payload, grouping: { n: String(n) } },
    });
    await added(tracker, [group(1, 1), group(2, 2)]);
    await added(tracker, [group(1, 3)]);
    await added(tracker, [group(3, 4)]);
    expect(tracker.size).toBe(2);
    expect(
      await added(tracker, [{ ...group(2, 5), payload: { ...group(2, 5).payload, op: 'delete', families: [] } }]),
    ).toEqual([]);
  });

  it('a refused push of a group it does not know writes the failure time only (its push time is unknown)', async () => {
    expect(await added(new PushGroupTracker(), [push('fail', 7000)])).toEqual([
      'push_failure_time_seconds{instance=i,job=j}@7000=7',
    ]);
  });

  it('a new process recalls the group from the memory and still marks what the next PUT removed', async () => {
    const stored = new Map<string, string>();
    const memory: PushGroupMemory = {
      load: async (keys) =>
        new Map(keys.flatMap((k) => (stored.has(k) ? [[k, deserializeGroup(k, stored.get(k)!)!] as const] : []))),
      save: async (states: GroupState[]) => void states.forEach((st) => stored.set(st.key, serializeGroup(st))),
      close: async () => undefined,
    };
    await added(new PushGroupTracker(10, memory), [push('put', 1000, [A, B]), push('fail', 1500)]);
    expect(await added(new PushGroupTracker(10, memory), [push('put', 2000, [A])])).toEqual([
      'b{instance=i,job=j,x=1}@2000=STALE',
      'b{instance=i,job=j,x=2}@2000=STALE',
      'push_failure_time_seconds{instance=i,job=j}@2000=1.5',
      'push_time_seconds{instance=i,job=j}@2000=2',
    ]);
    // A partition moving away and back: the memory's newer state wins over this process' own.
    const first = new PushGroupTracker(10, memory);
    await added(first, [push('put', 3000, [A, B])]);
    await added(new PushGroupTracker(10, memory), [push('put', 4000, [A])]);
    const c = { name: 'c', samples: [{ value: 9 }] };
    expect((await added(first, [push('put', 5000, [c])])).filter((x) => x.endsWith('STALE'))).toEqual([
      'a{instance=i,job=j}@5000=STALE',
    ]);
    const failing: PushGroupMemory = {
      load: () => Promise.reject(new Error('down')),
      save: () => Promise.reject(new Error('down')),
      close: async () => undefined,
    };
    const tracker = new PushGroupTracker(10, failing);
    expect(await added(tracker, [push('put', 6000, [A])])).toHaveLength(2);
    expect(await added(tracker, [push('put', 7000, [B])])).toContain('a{instance=i,job=j}@7000=STALE');
  });

  it('the stored form keeps the series and times, not the values', () => {
    const text =
      '{"job":"j","grouping":{"instance":"i"},"lastReceivedAt":5,"exists":true,"pushTime":5,"pushFailureTime":0,"families":{"b":["gauge",[["b",{"x":"1","job":"j"}]]]}}';
    const state = deserializeGroup('k', text)!;
    expect(state).toEqual({
      key: 'k',
      job: 'j',
      grouping: { instance: 'i' },
      lastReceivedAt: 5,
      exists: true,
      pushTime: 5,
      pushFailureTime: 0,
      families: new Map([
        ['b', [{ family: 'b', type: 'gauge', name: 'b', labels: { x: '1', job: 'j' }, value: 0, pushedAt: 5 }]],
      ]),
    });
    expect(serializeGroup(state)).toBe(text);
    expect(deserializeGroup('k', '{broken')).toBeUndefined();
  });

  it('the staleness marker keeps its exact bits through the WriteRequest encoding', async () => {
    expect(Number.isNaN(STALE_NAN)).toBe(true);
    expect(isStaleNaN(NaN)).toBe(false);
    const [series] = decodeWriteRequest(
      encodeWriteRequest([
        { labels: [{ name: '__name__', value: 'x' }], samples: [{ value: STALE_NAN, timestamp: 1 }] },
      ]),
    );
    expect(isStaleNaN(series.samples[0].value)).toBe(true);
  });
});
