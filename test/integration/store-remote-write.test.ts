/**
 * The remote-write store against the real receivers: Debian's Prometheus (started with its
 * remote-write receiver) and VictoriaMetrics (/api/v1/write), series queried back through
 * their query APIs. The wire details (headers, auth, series cap, concurrency, Retry-After)
 * are checked on a local HTTP server that decodes what it receives.
 */
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { loadConfig } from '@app/config';
import { ProcessedEvent, RetriableStoreError } from '@app/storage';
import { RemoteWriteStore } from '@app/storage/remote-write';
import { decodeWriteRequest, Series } from '@app/storage/remote-write/remote-write.proto';
import { baseEnv, getFreePort, waitFor } from '../support/apps';
import { Peer, startPrometheus, startVictoriaMetrics } from '../support/peers';
import { analyticsEvent, metricsEvent, usageEvent } from '../support/store-events';

const rwConfig = (env: Record<string, string>) =>
  loadConfig(baseEnv({ STORAGE_TYPE: 'remote_write', ...env })).remoteWrite;

function mixedBatch(now: number): ProcessedEvent[] {
  const t0 = Math.floor(now / 1000) - 120;
  const dashboard = { name: 'Fleet overview', uid: 'fleet-1' };
  return [
    usageEvent({ instance: 'inst-a', receivedAt: now - 2000 }),
    usageEvent({
      instance: 'inst-b',
      receivedAt: now - 1000,
      metrics: { 'stats.dashboards.count': 9, 'stats.text': 'not a number' },
    }),
    analyticsEvent({ uuid: 's1', type: 'start', time: t0, dashboard }),
    analyticsEvent({ uuid: 's1', type: 'heartbeat', time: t0 + 60, dashboard }),
    analyticsEvent({ uuid: 's1', type: 'end', time: t0 + 90, dashboard }),
    analyticsEvent({ uuid: 's2', type: 'start', time: t0, dashboard }),
    metricsEvent(
      'node',
      [
        { name: 'requests_total', type: 'counter', samples: [{ labels: { path: '/a' }, value: 5 }] },
        {
          name: 'rpc_seconds',
          type: 'summary',
          samples: [
            { labels: { quantile: '0.5' }, value: 0.1 },
            { name: 'rpc_seconds_count', value: 50 },
          ],
        },
        { name: 'req_dur', type: 'histogram', samples: [{ name: 'req_dur_bucket', labels: { le: '+Inf' }, value: 5 }] },
        { name: 'odd', type: 'gauge', samples: [{ value: 'NaN' }] },
      ],
      { receivedAt: now - 1000, grouping: { instance: 'n1' } },
    ),
  ];
}

type Vector = Array<{ metric: Record<string, string>; value: [number, string] }>;

async function promQuery(peer: Peer, query: string): Promise<Vector> {
  const res = await fetch(
    `${peer.url}/api/v1/query?${new URLSearchParams({ query, time: String(Date.now() / 1000) })}`,
  );
  const body = (await res.json()) as { status: string; data: { result: Vector }; error?: string };
  if (body.status !== 'success') throw new Error(`${query}: ${body.error}`);
  return body.data.result;
}

/** The single value of a query that must return one series. */
async function scalar(peer: Peer, query: string): Promise<number | undefined> {
  const r = await promQuery(peer, query);
  return r.length === 1 ? Number(r[0].value[1]) : undefined;
}

describe.each([
  ['Prometheus (--web.enable-remote-write-receiver)', startPrometheus, '/api/v1/write'],
  ['VictoriaMetrics', startVictoriaMetrics, '/api/v1/write'],
])('remote write store -> %s', (name, start, path) => {
  let peer: Peer;
  let store: RemoteWriteStore;
  const isVm = name === 'VictoriaMetrics';
  const flush = async () => {
    if (isVm) expect((await fetch(`${peer.url}/internal/force_flush`)).status).toBe(200);
  };

  beforeAll(async () => {
    peer = await start();
    store = new RemoteWriteStore(rwConfig({ REMOTE_WRITE_URL: `${peer.url}${path}` }), undefined, { writerId: 'w1' });
    await store.connect();
  });
  afterAll(async () => {
    await store?.close();
    await peer?.stop();
  });

  it('writes gauges, session counters and pushed samples; a replay adds nothing', async () => {
    const batch = mixedBatch(Date.now());
    expect(await store.writeBatch(batch)).toEqual({ written: 7, duplicates: 0, rejected: [] });
    await flush();
    expect(await waitFor(() => scalar(peer, 'sum(grafana_analytics_sessions_total)'), 15_000, 200, 'sessions')).toBe(2);
    expect(await store.writeBatch(batch)).toEqual({ written: 7, duplicates: 0, rejected: [] });
    await flush();

    const usage = await promQuery(peer, 'grafana_usage_stats_dashboards_count');
    expect(usage.map((r) => [r.metric.instance, r.value[1]]).sort()).toEqual([
      ['inst-a', '7'],
      ['inst-b', '9'],
    ]);
    expect(usage[0].metric).toMatchObject({
      version: '10_4_1',
      os: 'linux',
      arch: 'arm64',
      edition: 'oss',
      packaging: 'deb',
    });
    expect(await promQuery(peer, '{__name__=~"grafana_usage_stats_text.*"}')).toEqual([]);
    expect(await scalar(peer, 'sum(count_over_time(grafana_usage_stats_dashboards_count[10m]))')).toBe(2);

    expect(await scalar(peer, 'sum(grafana_analytics_sessions_total)')).toBe(2);
    expect(await scalar(peer, 'sum(grafana_analytics_sessions_duration_seconds_total)')).toBe(90);
    const [session] = await promQuery(peer, 'grafana_analytics_sessions_total');
    expect(session.metric).toMatchObject({
      grafana_host: 'localhost:3000',
      grafana_env: 'production',
      dashboard_name: 'Fleet overview',
      dashboard_uid: 'fleet-1',
      dashboard_timezone: 'utc',
      user_theme: 'dark',
      user_timezone: 'browser',
      user_locale: 'en-US',
      user_role: 'admin',
      writer: 'w1',
    });
    // The 0 sample before the first total lets increase() see the first sessions.
    expect(await scalar(peer, 'sum(increase(grafana_analytics_sessions_total[10m]))')).toBeGreaterThanOrEqual(2);

    expect(await scalar(peer, 'requests_total{job="node",instance="n1",path="/a"}')).toBe(5);
    expect(await scalar(peer, 'count_over_time(requests_total[10m])')).toBe(1);
    expect(await scalar(peer, 'rpc_seconds{quantile="0.5"}')).toBe(0.1);
    expect(await scalar(peer, 'req_dur_bucket{le="+Inf"}')).toBe(5);
    // Prometheus keeps a pushed NaN; VictoriaMetrics drops NaN samples when it ingests them.
    const odd = await promQuery(peer, 'odd');
    expect(odd.map((r) => r.value[1])).toEqual(isVm ? [] : ['NaN']);
  });

  it('counts new sessions on top of the running totals', async () => {
    const now = Math.floor(Date.now() / 1000);
    const dashboard = { name: 'Fleet overview', uid: 'fleet-1' };
    await store.writeBatch([
      analyticsEvent({ uuid: 's3', type: 'start', time: now - 30, dashboard }),
      analyticsEvent({ uuid: 's3', type: 'heartbeat', time: now, dashboard }),
    ]);
    await flush();
    await waitFor(
      async () => (await scalar(peer, 'sum(grafana_analytics_sessions_total)')) === 3,
      15_000,
      200,
      'third session',
    );
    expect(await scalar(peer, 'sum(grafana_analytics_sessions_duration_seconds_total)')).toBe(120);
  });

  it('holds the batch while the receiver is down and writes it once it is back', async () => {
    await peer.stop();
    const event = usageEvent({ instance: 'inst-outage', receivedAt: Date.now() });
    expect((await store.health()).ok).toBe(false);
    await expect(store.writeBatch([event])).rejects.toBeInstanceOf(RetriableStoreError);
    await peer.start();
    expect(await store.writeBatch([event])).toMatchObject({ written: 1 });
    await flush();
    expect(
      await waitFor(
        () => scalar(peer, 'grafana_usage_stats_dashboards_count{instance="inst-outage"}'),
        15_000,
        200,
        'outage report',
      ),
    ).toBe(7);
  });

  if (!isVm) {
    it('writes the rest of a batch Prometheus answers 400 (too-old sample) and rejects only the event behind it', async () => {
      const late = metricsEvent(
        'node',
        [{ name: 'requests_total', type: 'counter', samples: [{ labels: { path: '/a' }, value: 6 }] }],
        { receivedAt: Date.now() - 3_600_000, grouping: { instance: 'n1' } },
      );
      const fresh = usageEvent({ instance: 'inst-after-late', receivedAt: Date.now() });
      const result = await store.writeBatch([late, fresh]);
      expect(result).toMatchObject({ written: 1, duplicates: 0, rejected: [{ eventId: late.id }] });
      expect(result.rejected[0].reason).toMatch(/HTTP 400.*out of (order|bounds)/);
      expect(
        await waitFor(
          () => scalar(peer, 'grafana_usage_stats_dashboards_count{instance="inst-after-late"}'),
          15_000,
          200,
          'fresh report',
        ),
      ).toBe(7);
    });
  }
});

describe('remote write store on the wire (local HTTP server)', () => {
  let server: Server;
  let url: string;
  let delayMs = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let answer: (series: Series[]) => { status: number; headers?: Record<string, string>; body?: string } = () => ({
    status: 204,
  });
  const seen: Array<{ headers: IncomingMessage['headers']; series: Series[] }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const series = decodeWriteRequest(Buffer.concat(chunks));
        seen.push({ headers: req.headers, series });
        setTimeout(() => {
          inFlight--;
          const a = answer(series);
          res.writeHead(a.status, a.headers).end(a.body ?? '');
        }, delayMs);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => {
    seen.length = 0;
    maxInFlight = 0;
    delayMs = 0;
    answer = () => ({ status: 204 });
  });

  it('sends the protocol headers, basic auth and extra headers; labels sorted, deduplicated, empty ones dropped', async () => {
    const store = new RemoteWriteStore(
      rwConfig({
        REMOTE_WRITE_URL: url,
        REMOTE_WRITE_USERNAME: 'u',
        REMOTE_WRITE_PASSWORD: 'p',
        REMOTE_WRITE_HEADERS: 'X-Scope-OrgID=tenant-1',
      }),
    );
    const push = metricsEvent('job1', [
      {
        name: 'm',
        type: 'gauge',
        samples: [{ labels: { zeta: '1', alpha: '', 'bad-name': 'x', job: 'overridden' }, value: 1 }],
      },
    ]);
    await store.writeBatch([push]);
    expect(seen).toHaveLength(1);
    expect(seen[0].headers).toMatchObject({
      'content-encoding': 'snappy',
      'content-type': 'application/x-protobuf',
      'x-prometheus-remote-write-version': '0.1.0',
      authorization: `Basic ${Buffer.from('u:p').toString('base64')}`,
      'x-scope-orgid': 'tenant-1',
    });
    expect(seen[0].series).toEqual([
      {
        labels: [
          { name: '__name__', value: 'm' },
          { name: 'bad_name', value: 'x' },
          { name: 'job', value: 'job1' },
          { name: 'zeta', value: '1' },
        ],
        samples: [{ value: 1, timestamp: push.receivedAt }],
      },
      {
        labels: [
          { name: '__name__', value: 'push_time_seconds' },
          { name: 'job', value: 'job1' },
        ],
        samples: [{ value: push.receivedAt / 1000, timestamp: push.receivedAt }],
      },
      {
        labels: [
          { name: '__name__', value: 'push_failure_time_seconds' },
          { name: 'job', value: 'job1' },
        ],
        samples: [{ value: 0, timestamp: push.receivedAt }],
      },
    ]);
  });

  it('caps series per request and keeps at most REMOTE_WRITE_CONCURRENCY requests in flight', async () => {
    delayMs = 100;
    const store = new RemoteWriteStore(
      rwConfig({
        REMOTE_WRITE_URL: url,
        REMOTE_WRITE_BEARER_TOKEN: 'tok',
        REMOTE_WRITE_SERIES_LIMIT: '3',
        REMOTE_WRITE_CONCURRENCY: '2',
      }),
    );
    // 18 pushed series + push_time_seconds + push_failure_time_seconds = 20.
    const samples = Array.from({ length: 18 }, (_, i) => ({ labels: { i: String(i) }, value: i }));
    await store.writeBatch([metricsEvent('cap', [{ name: 'g', type: 'gauge', samples }])]);
    expect(seen.map((s) => s.series.length)).toEqual([3, 3, 3, 3, 3, 3, 2]);
    expect(maxInFlight).toBe(2);
    expect(seen[0].headers.authorization).toBe('Bearer tok');
  });

  it.each([
    [429, '3', 3000],
    [503, undefined, undefined],
  ])('HTTP %i: outage, Retry-After %s honoured', async (status, retryAfter, ms) => {
    answer = () => ({ status, headers: retryAfter ? { 'retry-after': retryAfter } : undefined, body: 'slow down' });
    const store = new RemoteWriteStore(rwConfig({ REMOTE_WRITE_URL: url }));
    const err = await store.writeBatch([usageEvent()]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetriableStoreError);
    expect((err as RetriableStoreError).retryAfterMs).toBe(ms);
  });

  it('other 4xx: the refused series are isolated by halving and their events rejected with the answer; 401 holds the batch', async () => {
    // Like Prometheus with an out-of-order sample: 400 for any request holding a refused series.
    answer = (series) =>
      series.some((s) => s.labels.some((l) => l.value === 'refuse'))
        ? { status: 400, body: 'out of order sample' }
        : { status: 204 };
    const store = new RemoteWriteStore(rwConfig({ REMOTE_WRITE_URL: url, REMOTE_WRITE_SERIES_LIMIT: '8' }));
    const pushes = Array.from({ length: 6 }, (_, i) =>
      metricsEvent(`job${i}`, [
        {
          name: 'g',
          type: 'gauge',
          samples: [
            { labels: { a: 'x' }, value: i },
            { labels: { a: i === 1 || i === 4 ? 'refuse' : 'y' }, value: i },
          ],
        },
      ]),
    );
    const result = await store.writeBatch([usageEvent(), ...pushes]);
    expect(result.written).toBe(5);
    expect(result.rejected.map((r) => r.eventId).sort()).toEqual([pushes[1].id, pushes[4].id].sort());
    expect(result.rejected[0].reason).toBe(
      `remote write receiver at ${new URL(url).host} refused the series (HTTP 400): out of order sample`,
    );
    const accepted = seen.filter((s) => !s.series.some((x) => x.labels.some((l) => l.value === 'refuse')));
    const writtenJobs = new Set(
      accepted.flatMap((s) => s.series.flatMap((x) => x.labels.filter((l) => l.name === 'job').map((l) => l.value))),
    );
    expect([...writtenJobs].sort()).toEqual(['job0', 'job1', 'job2', 'job3', 'job4', 'job5']);
    // One request per chunk of 8 series (pushes carry push_time_seconds and push_failure_time_seconds
    // too); the refused chunks are halved down to their 2 refused series: bounded by k·log2(n).
    const series = new Set(seen.flatMap((s) => s.series.map((x) => JSON.stringify(x.labels)))).size;
    expect(seen.length).toBeLessThanOrEqual(Math.ceil(series / 8) + 2 * 2 * Math.ceil(Math.log2(8)));
    answer = () => ({ status: 401, body: 'unauthorized' });
    await expect(store.writeBatch([usageEvent()])).rejects.toBeInstanceOf(RetriableStoreError);
  });

  it('an unreachable receiver is an outage', async () => {
    const store = new RemoteWriteStore(
      rwConfig({ REMOTE_WRITE_URL: `http://127.0.0.1:${await getFreePort()}/api/v1/write` }),
    );
    await expect(store.writeBatch([usageEvent()])).rejects.toBeInstanceOf(RetriableStoreError);
  });
});
