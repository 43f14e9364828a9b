/**
 * The InfluxDB store against the real peers: Debian's influxd 1.x (/write, with auth) and
 * VictoriaMetrics (/write and /api/v2/write), data queried back through their query APIs.
 * HTTP outcomes InfluxDB cannot be made to produce on demand (503, 429) come from a local
 * HTTP server.
 */
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { loadConfig } from '@app/config';
import { ProcessedEvent, RetriableStoreError } from '@app/storage';
import { InfluxDbStore } from '@app/storage/influxdb';
import { baseEnv, getFreePort, randomName, waitFor } from '../support/apps';
import { influxQuery, Peer, startInfluxDb, startVictoriaMetrics } from '../support/peers';
import { analyticsEvent, metricsEvent, usageEvent } from '../support/store-events';

const influxConfig = (env: Record<string, string>) =>
  loadConfig(baseEnv({ STORAGE_TYPE: 'influxdb', ...env })).influxdb;

/** The same mixed batch every peer gets: 2 usage reports, 4 panel events, 1 push of every metric type. */
function mixedBatch(now: number): ProcessedEvent[] {
  const t0 = Math.floor(now / 1000) - 120;
  const dashboard = { name: 'Fleet overview', uid: 'fleet-1' };
  return [
    usageEvent({ instance: 'inst-a', receivedAt: now }),
    usageEvent({ instance: 'inst-b', receivedAt: now + 1, metrics: { 'stats.dashboards.count': 9 } }),
    analyticsEvent({ uuid: 's1', type: 'start', time: t0, dashboard }),
    analyticsEvent({ uuid: 's1', type: 'heartbeat', time: t0 + 60, dashboard }),
    analyticsEvent({ uuid: 's1', type: 'end', time: t0 + 90, dashboard }),
    // Same dashboard, same second as s1's start: must stay a separate point.
    analyticsEvent({ uuid: 's2', type: 'start', time: t0, dashboard }),
    metricsEvent(
      'node',
      [
        { name: 'requests_total', type: 'counter', samples: [{ labels: { path: '/a' }, value: 5 }] },
        { name: 'temperature', type: 'gauge', samples: [{ value: 21.5 }] },
        { name: 'up_state', type: 'untyped', samples: [{ value: 1 }] },
        {
          name: 'rpc_seconds',
          type: 'summary',
          samples: [
            { labels: { quantile: '0.5' }, value: 0.1 },
            { labels: { quantile: '0.9' }, value: 0.3 },
            { name: 'rpc_seconds_sum', value: 10 },
            { name: 'rpc_seconds_count', value: 50 },
          ],
        },
        {
          name: 'req_dur',
          type: 'histogram',
          samples: [
            { name: 'req_dur_bucket', labels: { le: '0.1' }, value: 3 },
            { name: 'req_dur_bucket', labels: { le: '+Inf' }, value: 5 },
            { name: 'req_dur_sum', value: 1.2 },
            { name: 'req_dur_count', value: 5 },
          ],
        },
      ],
      { receivedAt: now, grouping: { instance: 'n1' } },
    ),
  ];
}

/** Rows of an InfluxQL SELECT as objects. */
async function rows(
  peer: Peer,
  db: string,
  q: string,
  auth?: { username: string; password: string },
): Promise<Array<Record<string, unknown>>> {
  const result = await influxQuery(peer, q, db, auth);
  return (result.results?.[0]?.series ?? []).flatMap((s) =>
    s.values.map((v) => Object.fromEntries(s.columns.map((c, i) => [c, v[i]]))),
  );
}

describe('InfluxDB store -> influxd 1.x (/write, basic auth)', () => {
  const auth = { username: 'admin', password: 'influx-test-password' };
  const db = randomName('usage');
  let peer: Peer;
  let store: InfluxDbStore;

  beforeAll(async () => {
    peer = await startInfluxDb(auth);
    await influxQuery(peer, `CREATE DATABASE "${db}"`, undefined, auth);
    store = new InfluxDbStore(
      influxConfig({
        INFLUXDB_URL: peer.url,
        INFLUXDB_API_VERSION: '1',
        INFLUXDB_DATABASE: db,
        INFLUXDB_USERNAME: auth.username,
        INFLUXDB_PASSWORD: auth.password,
      }),
    );
    await store.connect();
  });
  afterAll(async () => {
    await store?.close();
    await peer?.stop();
  });

  const q = (text: string) => rows(peer, db, text, auth);

  it('stores every kind, mapped as documented, and a replay rewrites the same points', async () => {
    const batch = mixedBatch(Date.now());
    for (let i = 0; i < 2; i++) {
      expect(await store.writeBatch(batch)).toEqual({ written: 7, duplicates: 0, rejected: [] });
    }
    const usage = await q('SELECT * FROM grafana_usage_report GROUP BY *');
    expect(usage).toHaveLength(2);
    expect(
      await q(`SELECT "stats.dashboards.count", numeric_metrics FROM grafana_usage_report WHERE instance = 'inst-b'`),
    ).toEqual([expect.objectContaining({ 'stats.dashboards.count': 9, numeric_metrics: 14 })]);
    const tagged = await influxQuery(
      peer,
      `SHOW TAG VALUES FROM grafana_usage_report WITH KEY IN ("version", "edition", "os", "arch", "packaging")`,
      db,
      auth,
    );
    expect(tagged.results?.[0]?.series?.[0]?.values).toEqual(
      expect.arrayContaining([
        ['arch', 'arm64'],
        ['edition', 'oss'],
        ['os', 'linux'],
        ['packaging', 'deb'],
        ['version', '10_4_1'],
      ]),
    );

    expect(await q('SELECT count(events) FROM grafana_analytics')).toEqual([expect.objectContaining({ count: 4 })]);
    const starts = await q(
      `SELECT session_id, dashboard_name, grafana_host, user_role FROM grafana_analytics WHERE event_type = 'start'`,
    );
    expect(starts.map((r) => r.session_id).sort()).toEqual(['s1', 's2']);
    expect(starts[0]).toMatchObject({
      dashboard_name: 'Fleet overview',
      grafana_host: 'localhost:3000',
      user_role: 'admin',
    });

    expect(await q('SELECT counter, path, job, instance FROM requests_total')).toEqual([
      expect.objectContaining({ counter: 5, path: '/a', job: 'node', instance: 'n1' }),
    ]);
    expect(await q('SELECT gauge FROM temperature')).toEqual([expect.objectContaining({ gauge: 21.5 })]);
    expect(await q('SELECT value FROM up_state')).toEqual([expect.objectContaining({ value: 1 })]);
    expect(await q('SELECT "0.5", "0.9", "sum", "count" FROM rpc_seconds')).toEqual([
      expect.objectContaining({ '0.5': 0.1, '0.9': 0.3, sum: 10, count: 50 }),
    ]);
    expect(await q('SELECT "0.1", "+Inf", "sum", "count" FROM req_dur')).toEqual([
      expect.objectContaining({ '0.1': 3, '+Inf': 5, sum: 1.2, count: 5 }),
    ]);
  });

  it('escapes measurement, tag and field names and values per the line protocol', async () => {
    const nasty = 'Ops, "prod" = main \\ dash\\,x\\';
    const event = analyticsEvent({
      uuid: 'nasty-session "q"\\',
      type: 'start',
      time: Math.floor(Date.now() / 1000),
      dashboard: { name: nasty, uid: 'uid with space' },
    });
    const push = metricsEvent('weird job', [
      { name: 'my metric,x', type: 'gauge', samples: [{ labels: { 'we ird,key=': 'v=1, 2' }, value: 3 }] },
    ]);
    const report = usageEvent({ instance: 'inst-nasty', metrics: { 'stats.weird key=1,x': 4 } });
    expect((await store.writeBatch([event, push, report])).rejected).toEqual([]);

    // 1.x keeps both backslashes of an escaped run before a special character; the trailing one cannot be sent.
    const [panel] = await q(
      `SELECT dashboard_name, dashboard_uid, session_id FROM grafana_analytics WHERE dashboard_uid = 'uid with space'`,
    );
    expect(panel).toMatchObject({
      dashboard_name: 'Ops, "prod" = main \\\\ dash\\\\,x',
      session_id: 'nasty-session "q"\\',
    });
    expect(await q('SELECT gauge, "we ird,key=", job FROM "my metric,x"')).toEqual([
      expect.objectContaining({ gauge: 3, 'we ird,key=': 'v=1, 2', job: 'weird job' }),
    ]);
    expect(await q(`SELECT "stats.weird key=1,x" FROM grafana_usage_report WHERE instance = 'inst-nasty'`)).toEqual([
      expect.objectContaining({ 'stats.weird key=1,x': 4 }),
    ]);
  });

  it('dead-letters only the event InfluxDB refuses (field type conflict) and writes the rest', async () => {
    const now = Date.now();
    // An integer field already exists: the store's float for the same field is refused.
    const res = await fetch(`${peer.url}/write?db=${db}&precision=ms`, {
      method: 'POST',
      body: `conflicting,job=x gauge=1i ${now - 60_000}`,
      headers: { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` },
    });
    expect(res.status).toBe(204);
    const bad = metricsEvent('x', [{ name: 'conflicting', type: 'gauge', samples: [{ value: 2.5 }] }], {
      receivedAt: now,
    });
    const good = [
      usageEvent({ instance: 'inst-c1', receivedAt: now }),
      usageEvent({ instance: 'inst-c2', receivedAt: now }),
      analyticsEvent({ uuid: 'c3', type: 'start', time: Math.floor(now / 1000) }),
    ];
    const result = await store.writeBatch([good[0], bad, good[1], good[2]]);
    expect(result.written).toBe(3);
    expect(result.rejected).toEqual([{ eventId: bad.id, reason: expect.stringMatching(/field type conflict/) }]);
    expect(
      await q(
        `SELECT count(numeric_metrics) FROM grafana_usage_report WHERE instance = 'inst-c1' OR instance = 'inst-c2'`,
      ),
    ).toEqual([expect.objectContaining({ count: 2 })]);
    expect(await q(`SELECT count(events) FROM grafana_analytics WHERE session_id = 'c3'`)).toEqual([
      expect.objectContaining({ count: 1 }),
    ]);
  });

  it('reports health, and an unreachable InfluxDB as an outage', async () => {
    expect(await store.health()).toEqual({ ok: true });
    const down = new InfluxDbStore(
      influxConfig({
        INFLUXDB_URL: `http://127.0.0.1:${await getFreePort()}`,
        INFLUXDB_API_VERSION: '1',
        INFLUXDB_DATABASE: db,
      }),
    );
    expect((await down.health()).ok).toBe(false);
    await expect(down.writeBatch(mixedBatch(Date.now()))).rejects.toBeInstanceOf(RetriableStoreError);
  });

  it('holds the batch when InfluxDB refuses the credentials (settings, not data)', async () => {
    const wrong = new InfluxDbStore(
      influxConfig({
        INFLUXDB_URL: peer.url,
        INFLUXDB_API_VERSION: '1',
        INFLUXDB_DATABASE: db,
        INFLUXDB_USERNAME: auth.username,
        INFLUXDB_PASSWORD: 'wrong',
      }),
    );
    await expect(wrong.writeBatch([usageEvent()])).rejects.toThrow(/HTTP 401/);
  });
});

/** Samples of the series matching `match`, from VictoriaMetrics' export API. */
async function vmExport(
  peer: Peer,
  match: string,
): Promise<Array<{ metric: Record<string, string>; values: number[]; timestamps: number[] }>> {
  const res = await fetch(`${peer.url}/api/v1/export?${new URLSearchParams({ 'match[]': match })}`);
  const text = await res.text();
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}

/** Total samples of the matching series. */
async function samples(peer: Peer, match: string): Promise<number> {
  return (await vmExport(peer, match)).reduce((n, s) => n + s.values.length, 0);
}

/** Makes buffered samples searchable now. */
async function vmFlush(peer: Peer): Promise<void> {
  const res = await fetch(`${peer.url}/internal/force_flush`);
  expect(res.status).toBe(200);
}

describe.each([
  ['1.x API (/write)', { INFLUXDB_API_VERSION: '1', INFLUXDB_DATABASE: 'usage' }],
  [
    '2.x API (/api/v2/write)',
    {
      INFLUXDB_API_VERSION: '2',
      INFLUXDB_ORG: 'org',
      INFLUXDB_BUCKET: 'usage',
      INFLUXDB_TOKEN: 'unused-by-vm',
      INFLUXDB_PRECISION: 'ms',
    },
  ],
])('InfluxDB store -> VictoriaMetrics %s', (_name, env) => {
  let peer: Peer;
  let store: InfluxDbStore;

  beforeAll(async () => {
    peer = await startVictoriaMetrics();
    store = new InfluxDbStore(influxConfig({ INFLUXDB_URL: peer.url, ...env }));
    await store.connect();
  });
  afterAll(async () => {
    await store?.close();
    await peer?.stop();
  });

  it('stores every kind and a replay does not add samples', async () => {
    const batch = mixedBatch(Date.now());
    expect(await store.writeBatch(batch)).toEqual({ written: 7, duplicates: 0, rejected: [] });
    await vmFlush(peer);
    // VictoriaMetrics names a field's series <measurement>_<field>.
    await waitFor(
      async () => (await samples(peer, '{__name__="grafana_analytics_events"}')) === 4,
      15_000,
      200,
      'first write visible',
    );
    expect(await store.writeBatch(batch)).toEqual({ written: 7, duplicates: 0, rejected: [] });
    await vmFlush(peer);
    // A marker written after the replay: once it shows, the replay would show too.
    await store.writeBatch([analyticsEvent({ uuid: 'marker', type: 'start', time: Math.floor(Date.now() / 1000) })]);
    await vmFlush(peer);
    await waitFor(
      async () => (await samples(peer, '{__name__="grafana_analytics_events", dashboard_uid="b_1UbypGz"}')) > 0,
      15_000,
      200,
      'marker visible',
    );
    expect(await samples(peer, '{__name__="grafana_analytics_events"}')).toBe(5);

    const usage = await vmExport(peer, '{__name__="grafana_usage_report_stats.dashboards.count"}');
    expect(usage.map((s) => [s.metric.instance, s.values]).sort()).toEqual([
      ['inst-a', [7]],
      ['inst-b', [9]],
    ]);
    expect(usage[0].metric).toMatchObject({
      version: '10_4_1',
      os: 'linux',
      arch: 'arm64',
      edition: 'oss',
      packaging: 'deb',
    });
    const buckets = await vmExport(peer, '{__name__=~"req_dur_.*"}');
    expect(Object.fromEntries(buckets.map((s) => [s.metric.__name__, s.values]))).toEqual({
      'req_dur_0.1': [3],
      'req_dur_+Inf': [5],
      req_dur_sum: [1.2],
      req_dur_count: [5],
    });
    const counter = await vmExport(peer, '{__name__="requests_total_counter"}');
    expect(counter).toEqual([
      expect.objectContaining({
        metric: expect.objectContaining({ job: 'node', instance: 'n1', path: '/a' }),
        values: [5],
      }),
    ]);
  });

  it('keeps escaped strings exact (2.x reading of escaped backslashes)', async () => {
    const nasty = 'Ops, "prod" = main \\ dash\\,x\\';
    await store.writeBatch([
      analyticsEvent({
        uuid: 'nasty',
        type: 'start',
        time: Math.floor(Date.now() / 1000),
        dashboard: { name: nasty, uid: 'uid with space' },
      }),
    ]);
    await vmFlush(peer);
    const series = await waitFor(
      async () => {
        const s = await vmExport(peer, '{__name__="grafana_analytics_events", dashboard_uid="uid with space"}');
        return s.length ? s : undefined;
      },
      15_000,
      200,
      'nasty series',
    );
    expect(series[0].metric.dashboard_name).toBe('Ops, "prod" = main \\ dash\\,x');
  });
});

describe('InfluxDB store HTTP outcomes (local HTTP server)', () => {
  let server: Server;
  let url: string;
  let answer: (
    req: IncomingMessage,
    body: Buffer,
  ) => { status: number; headers?: Record<string, string>; body?: string };
  const seen: Array<{ url: string; headers: IncomingMessage['headers']; body: string }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        seen.push({
          url: req.url ?? '',
          headers: req.headers,
          body: req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString() : raw.toString(),
        });
        const a = answer(req, raw);
        res.writeHead(a.status, a.headers).end(a.body ?? '');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => {
    seen.length = 0;
  });

  const v2 = () =>
    new InfluxDbStore(
      influxConfig({
        INFLUXDB_URL: url,
        INFLUXDB_ORG: 'my org',
        INFLUXDB_BUCKET: 'b',
        INFLUXDB_TOKEN: 'tok-123',
        INFLUXDB_BATCH_SIZE: '2',
      }),
    );

  it('sends gzip line protocol in batches of INFLUXDB_BATCH_SIZE lines with the v2 token', async () => {
    answer = () => ({ status: 204 });
    const batch = [usageEvent(), usageEvent(), usageEvent()];
    expect((await v2().writeBatch(batch)).written).toBe(3);
    expect(seen).toHaveLength(2);
    expect(seen[0].url).toBe('/api/v2/write?org=my+org&bucket=b&precision=ns');
    expect(seen[0].headers).toMatchObject({
      authorization: 'Token tok-123',
      'content-encoding': 'gzip',
      'content-type': 'text/plain; charset=utf-8',
    });
    expect(seen[0].body.split('\n')).toHaveLength(2);
    expect(seen[1].body.split('\n')).toHaveLength(1);
    expect(seen[0].body).toMatch(/^grafana_usage_report,arch=arm64,edition=oss,instance=[^ ]+ /);
  });

  it.each([
    [503, '7', 7000],
    [429, 'Wed, 21 Oct 2065 07:28:00 GMT', 600_000],
    [500, undefined, undefined],
  ])('HTTP %i is an outage, with Retry-After %s honoured', async (status, retryAfter, expectedMs) => {
    answer = () => ({
      status,
      headers: retryAfter ? { 'retry-after': retryAfter } : undefined,
      body: '{"error":"busy"}',
    });
    const err = await v2()
      .writeBatch([usageEvent()])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetriableStoreError);
    expect((err as RetriableStoreError).retryAfterMs).toBe(expectedMs);
  });

  it('traces a 2.x-style "line N" refusal to its event and re-sends the others', async () => {
    const batch = [usageEvent(), usageEvent(), usageEvent()];
    answer = (_req, _raw) => {
      const body = seen[seen.length - 1].body;
      return body.includes(String(batch[1].payload.usageStatsId))
        ? {
            status: 400,
            body: JSON.stringify({
              code: 'invalid',
              message: 'partial write has occurred, errors encountered on line(s): line 2: field type conflict',
            }),
          }
        : { status: 204 };
    };
    const store = new InfluxDbStore(influxConfig({ INFLUXDB_URL: url, INFLUXDB_BUCKET: 'b' }));
    const result = await store.writeBatch(batch);
    expect(result.rejected).toEqual([
      { eventId: batch[1].id, reason: expect.stringContaining('line 2: field type conflict') },
    ]);
    expect(result.written).toBe(2);
    // The whole batch, then the others again (idempotent), then the suspect alone.
    expect(seen.map((s) => s.body.split('\n').length)).toEqual([3, 2, 1]);
  });
});
