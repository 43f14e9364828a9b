/**
 * Pushgateway group semantics over remote write, against Debian's Prometheus (remote-write
 * receiver on): series a PUT, POST or DELETE removed end at once (staleness markers) instead
 * of lingering for the 5-minute lookback, and push_time_seconds is queryable.
 */
import { loadConfig } from '@app/config';
import { RedisPushGroupMemory, RemoteWriteStore } from '@app/storage/remote-write';
import { baseEnv, randomName, waitFor } from '../support/apps';
import { Peer, startPrometheus } from '../support/peers';
import { FamilySpec, metricsEvent } from '../support/store-events';

type Vector = Array<{ metric: Record<string, string>; value: [number, string] }>;

const A: FamilySpec = { name: 'jobs_done_total', type: 'counter', samples: [{ value: 3 }] };
const B: FamilySpec = {
  name: 'queue_depth',
  type: 'gauge',
  samples: [
    { labels: { queue: 'q1' }, value: 7 },
    { labels: { queue: 'q2' }, value: 8 },
  ],
};
const C: FamilySpec = { name: 'last_run_seconds', type: 'gauge', samples: [{ value: 42.5 }] };

describe('remote write store -> Prometheus: push groups', () => {
  let peer: Peer;
  let store: RemoteWriteStore;

  beforeAll(async () => {
    peer = await startPrometheus();
    const config = loadConfig(
      baseEnv({ STORAGE_TYPE: 'remote_write', REMOTE_WRITE_URL: `${peer.url}/api/v1/write` }),
    ).remoteWrite;
    store = new RemoteWriteStore(config, undefined, { writerId: 'w1' });
    await store.connect();
  });
  afterAll(async () => {
    await store?.close();
    await peer?.stop();
  });

  /** An instant query at `atMs`: `name{labels} value` per series, sorted (labels as Prometheus returns them). */
  async function at(query: string, atMs: number): Promise<string[]> {
    const res = await fetch(`${peer.url}/api/v1/query?${new URLSearchParams({ query, time: String(atMs / 1000) })}`);
    const body = (await res.json()) as { status: string; data: { result: Vector }; error?: string };
    if (body.status !== 'success') throw new Error(`${query}: ${body.error}`);
    return body.data.result
      .map((r) => {
        const { __name__: name, ...labels } = r.metric;
        const text = Object.entries(labels)
          .sort()
          .map(([k, v]) => `${k}="${v}"`)
          .join(',');
        return `${name ?? ''}{${text}} ${r.value[1]}`;
      })
      .sort();
  }

  it('PUT (3 families), PUT with fewer families, DELETE: removed series end at once', async () => {
    const t1 = Date.now() - 60_000;
    const t2 = t1 + 20_000;
    const t3 = t2 + 20_000;
    const grouping = { instance: 'host-1' };
    const group = '{job="nightly"}';
    await store.writeBatch([metricsEvent('nightly', [A, B, C], { op: 'put', receivedAt: t1, grouping })]);
    const full = [
      'jobs_done_total{instance="host-1",job="nightly"} 3',
      'last_run_seconds{instance="host-1",job="nightly"} 42.5',
      'push_failure_time_seconds{instance="host-1",job="nightly"} 0',
      `push_time_seconds{instance="host-1",job="nightly"} ${t1 / 1000}`,
      'queue_depth{instance="host-1",job="nightly",queue="q1"} 7',
      'queue_depth{instance="host-1",job="nightly",queue="q2"} 8',
    ];
    expect(
      await waitFor(
        async () => ((await at(group, t1 + 1)).length === 6 ? at(group, t1 + 1) : undefined),
        15_000,
        200,
        'first PUT',
      ),
    ).toEqual(full);

    await store.writeBatch([metricsEvent('nightly', [A], { op: 'put', receivedAt: t2, grouping })]);
    // Just before the second PUT the whole group is still there; just after, only what it pushed.
    expect(await at(group, t2 - 1)).toEqual(full);
    expect(await at(group, t2 + 1)).toEqual([
      'jobs_done_total{instance="host-1",job="nightly"} 3',
      'push_failure_time_seconds{instance="host-1",job="nightly"} 0',
      `push_time_seconds{instance="host-1",job="nightly"} ${t2 / 1000}`,
    ]);

    await store.writeBatch([metricsEvent('nightly', [], { op: 'delete', receivedAt: t3, grouping })]);
    expect(await at(group, t3 - 1)).toHaveLength(3);
    expect(await at(group, t3 + 1)).toEqual([]);
  });

  it('POST replaces one family: its series missing from the push end, the other families stay', async () => {
    const t1 = Date.now() - 30_000;
    const t2 = t1 + 10_000;
    const grouping = { instance: 'host-2' };
    const b2: FamilySpec = { name: 'queue_depth', type: 'gauge', samples: [{ labels: { queue: 'q3' }, value: 1 }] };
    await store.writeBatch([metricsEvent('hourly', [A, B], { op: 'put', receivedAt: t1, grouping })]);
    await store.writeBatch([metricsEvent('hourly', [b2], { op: 'post', receivedAt: t2, grouping })]);
    expect(await at('{job="hourly"}', t2 + 1)).toEqual([
      'jobs_done_total{instance="host-2",job="hourly"} 3',
      'push_failure_time_seconds{instance="host-2",job="hourly"} 0',
      `push_time_seconds{instance="host-2",job="hourly"} ${t2 / 1000}`,
      'queue_depth{instance="host-2",job="hourly",queue="q3"} 1',
    ]);
  });

  it('a restarted store recalls the group from Redis and still ends what the next PUT removed', async () => {
    const env = baseEnv({
      STORAGE_TYPE: 'remote_write',
      REMOTE_WRITE_URL: `${peer.url}/api/v1/write`,
      REDIS_KEY_PREFIX: randomName('push-groups'),
    });
    const config = loadConfig(env);
    const t1 = Date.now() - 20_000;
    const t2 = t1 + 10_000;
    const grouping = { instance: 'host-3' };
    const before = new RemoteWriteStore(config.remoteWrite, undefined, {
      groupMemory: new RedisPushGroupMemory(config.redis),
    });
    await before.writeBatch([metricsEvent('restarted', [A, B], { op: 'put', receivedAt: t1, grouping })]);
    await before.close();
    const after = new RemoteWriteStore(config.remoteWrite, undefined, {
      groupMemory: new RedisPushGroupMemory(config.redis),
    });
    try {
      await after.writeBatch([metricsEvent('restarted', [C], { op: 'put', receivedAt: t2, grouping })]);
    } finally {
      await after.close();
    }
    expect(await at('{job="restarted"}', t2 - 1)).toHaveLength(5);
    expect(await at('{job="restarted"}', t2 + 1)).toEqual([
      'last_run_seconds{instance="host-3",job="restarted"} 42.5',
      'push_failure_time_seconds{instance="host-3",job="restarted"} 0',
      `push_time_seconds{instance="host-3",job="restarted"} ${t2 / 1000}`,
    ]);
  });

  it('push_time_seconds answers "which jobs have not pushed lately"', async () => {
    const now = Date.now();
    await store.writeBatch([
      metricsEvent('fresh', [A], { op: 'put', receivedAt: now - 5_000, grouping: { instance: 'a' } }),
      metricsEvent('late', [A], { op: 'put', receivedAt: now - 200_000, grouping: { instance: 'b' } }),
    ]);
    expect(await at(`time() - push_time_seconds{job=~"fresh|late"} > 100`, now)).toEqual([
      '{instance="b",job="late"} 200',
    ]);
  });
});
