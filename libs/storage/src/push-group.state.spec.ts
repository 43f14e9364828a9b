import {
  applyGroupEvent,
  GroupEvent,
  groupEventOf,
  groupSamples,
  GroupState,
  inReceiveOrder,
  removedSeries,
} from './push-group.state';
import type { ProcessedEvent } from './store';

type Fam = {
  name: string;
  type?: string;
  samples: Array<{ name?: string; labels?: Record<string, string>; value: number | string }>;
};

function push(
  op: string,
  receivedAt: number,
  families: Fam[] = [],
  grouping: Record<string, string> = { instance: 'a' },
): GroupEvent {
  const e: ProcessedEvent = {
    id: `${op}-${receivedAt}`,
    kind: 'metrics',
    receivedAt,
    correlationId: 'c',
    source: { route: '/metrics/job/*' },
    payload: {
      op,
      job: 'batch',
      grouping,
      families: families.map((f) => ({
        name: f.name,
        type: f.type ?? 'gauge',
        samples: f.samples.map((s) => ({ name: s.name ?? f.name, labels: s.labels ?? {}, value: s.value })),
      })),
    },
  };
  return groupEventOf(e)!;
}

function run(events: GroupEvent[]): GroupState {
  let state: GroupState | undefined;
  for (const e of events) state = applyGroupEvent(state, e).state;
  return state!;
}

/** name{labels}=value, sorted: what a scrape of the Pushgateway would show. */
const exposed = (state: GroupState) =>
  groupSamples(state)
    .map((s) => `${s.name}${JSON.stringify(s.labels)}=${s.value}`)
    .sort();

const A = { name: 'a_total', type: 'counter', samples: [{ value: 1 }] };
const B = {
  name: 'b',
  samples: [
    { labels: { x: '1' }, value: 2 },
    { labels: { x: '2' }, value: 3 },
  ],
};
const C = {
  name: 'c',
  type: 'summary',
  samples: [
    { name: 'c_sum', value: 4 },
    { name: 'c_count', value: 5 },
  ],
};

describe('push group state (Pushgateway semantics)', () => {
  it('PUT exposes the families plus push_time_seconds and a zero push_failure_time_seconds', () => {
    expect(exposed(run([push('put', 10_500, [A, B, C])]))).toEqual([
      'a_total{"job":"batch","instance":"a"}=1',
      'b{"x":"1","job":"batch","instance":"a"}=2',
      'b{"x":"2","job":"batch","instance":"a"}=3',
      'c_count{"job":"batch","instance":"a"}=5',
      'c_sum{"job":"batch","instance":"a"}=4',
      'push_failure_time_seconds{"job":"batch","instance":"a"}=0',
      'push_time_seconds{"job":"batch","instance":"a"}=10.5',
    ]);
  });

  it('a PUT with fewer families replaces the whole group', () => {
    expect(exposed(run([push('put', 10_000, [A, B, C]), push('put', 20_000, [A])]))).toEqual([
      'a_total{"job":"batch","instance":"a"}=1',
      'push_failure_time_seconds{"job":"batch","instance":"a"}=0',
      'push_time_seconds{"job":"batch","instance":"a"}=20',
    ]);
  });

  it('POST replaces only the families of the pushed names, series by series', () => {
    const b2 = { name: 'b', samples: [{ labels: { x: '3' }, value: 9 }] };
    expect(exposed(run([push('put', 10_000, [A, B]), push('post', 30_000, [b2])]))).toEqual([
      'a_total{"job":"batch","instance":"a"}=1',
      'b{"x":"3","job":"batch","instance":"a"}=9',
      'push_failure_time_seconds{"job":"batch","instance":"a"}=0',
      'push_time_seconds{"job":"batch","instance":"a"}=30',
    ]);
  });

  it('DELETE removes the group, gateway gauges included, and leaves a tombstone', () => {
    const { state } = applyGroupEvent(run([push('put', 10_000, [A])]), push('delete', 40_000));
    expect(exposed(state)).toEqual([]);
    expect(state).toMatchObject({ exists: false, lastReceivedAt: 40_000, pushTime: 0, pushFailureTime: 0 });
  });

  it('skips an event older than the state, so a replay never overwrites a newer state', () => {
    const deleted = run([push('put', 10_000, [A]), push('delete', 40_000)]);
    const replayed = applyGroupEvent(deleted, push('put', 10_000, [A]));
    expect(replayed.applied).toBe(false);
    expect(replayed.state).toBe(deleted);
    expect(applyGroupEvent(deleted, push('put', 40_000, [B])).applied).toBe(true);
  });

  it('a refused push sets the failure time and keeps the group; the next push keeps it too', () => {
    const failed = run([push('put', 10_000, [A]), push('fail', 50_000)]);
    expect(exposed(failed)).toEqual([
      'a_total{"job":"batch","instance":"a"}=1',
      'push_failure_time_seconds{"job":"batch","instance":"a"}=50',
      'push_time_seconds{"job":"batch","instance":"a"}=10',
    ]);
    expect(exposed(applyGroupEvent(failed, push('put', 60_000, [B])).state)).toEqual([
      'b{"x":"1","job":"batch","instance":"a"}=2',
      'b{"x":"2","job":"batch","instance":"a"}=3',
      'push_failure_time_seconds{"job":"batch","instance":"a"}=50',
      'push_time_seconds{"job":"batch","instance":"a"}=60',
    ]);
  });

  it('a refused push to an unknown group creates it with push time 0', () => {
    expect(exposed(run([push('fail', 70_000, [], { instance: 'new' })]))).toEqual([
      'push_failure_time_seconds{"job":"batch","instance":"new"}=70',
      'push_time_seconds{"job":"batch","instance":"new"}=0',
    ]);
  });

  it("grouping labels win over the sample's own, pushed gateway families are ignored, the last duplicate wins", () => {
    const own = {
      name: 'g',
      samples: [
        { labels: { instance: 'mine', job: 'other' }, value: 1 },
        { labels: { instance: 'x' }, value: 2 },
      ],
    };
    const fake = { name: 'push_time_seconds', samples: [{ value: 99 }] };
    expect(exposed(run([push('put', 1000, [own, fake])]))).toEqual([
      'g{"instance":"a","job":"batch"}=2',
      'push_failure_time_seconds{"job":"batch","instance":"a"}=0',
      'push_time_seconds{"job":"batch","instance":"a"}=1',
    ]);
  });

  it('names the series a transition removed', () => {
    const before = groupSamples(run([push('put', 10_000, [A, B])]));
    const after = groupSamples(
      run([
        push('put', 10_000, [A, B]),
        push('put', 20_000, [{ name: 'b', samples: [{ labels: { x: '1' }, value: 7 }] }]),
      ]),
    );
    expect(removedSeries(before, after).map((s) => `${s.name}${JSON.stringify(s.labels)}`)).toEqual([
      'a_total{"job":"batch","instance":"a"}',
      'b{"x":"2","job":"batch","instance":"a"}',
    ]);
  });

  it('reads only metrics events that name a job and a known op', () => {
    const base = { id: 'e', receivedAt: 1, correlationId: 'c', source: { route: '/r' } };
    expect(groupEventOf({ ...base, kind: 'metrics', payload: { op: 'put', grouping: {} } })).toBeUndefined();
    expect(groupEventOf({ ...base, kind: 'metrics', payload: { op: 'merge', job: 'j' } })).toBeUndefined();
    expect(groupEventOf({ ...base, kind: 'usage_report', payload: {} })).toBeUndefined();
    expect(
      groupEventOf({ ...base, kind: 'metrics', payload: { op: 'delete', job: 'j', grouping: { b: '2', a: '1' } } })
        ?.key,
    ).toBe('{"grouping":{"a":"1","b":"2"},"job":"j"}');
  });

  it('orders events by receive time, keeping batch order for ties', () => {
    expect(
      inReceiveOrder([
        { receivedAt: 3, n: 1 },
        { receivedAt: 1, n: 2 },
        { receivedAt: 3, n: 3 },
      ]).map((e) => e.n),
    ).toEqual([2, 1, 3]);
  });
});
