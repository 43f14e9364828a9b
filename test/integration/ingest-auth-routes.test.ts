import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compressSync } from 'snappy';
import { maskedCrc } from '../../apps/ingest-api/src/parsing/snappy-body';
import { TEST_API_KEY } from '../support/apps';
import { IngestUnderTest, Landed, TopicReader, deleteTopics, startIngestApi } from '../support/ingest-harness';

// What stock clients send, against the real Kafka: Basic auth, key scopes, public route groups,
// the job@base64 route and the /healthz probe.
const BROKERS = 'localhost:9092';
const PANEL_KEY = 'panel-key-0123456789abcdef';
const PUSH_KEY = 'push-key-0123456789abcdef';
const fixture = (name: string) => readFileSync(join(__dirname, '../fixtures', name));
const report = fixture('samples/grafana-usage-report.json');
const panel = fixture('samples/analytics-panel-start.json');
const pushText = fixture('samples/push.txt');
/** 65 536 zero bytes as one snappy block (literal length header, then copies). */
const compressZeros = () => compressSync(Buffer.alloc(65_536));
const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});
const TEXT = { 'content-type': 'text/plain' };
const JSON_TYPE = { 'content-type': 'application/json' };
const SNAPPY = { ...basic('u', PUSH_KEY), 'content-encoding': 'snappy' };

let api: IngestUnderTest;
let reader: TopicReader;

beforeAll(async () => {
  // PUBLIC_ROUTES=report: Grafana cannot attach credentials (the last suite opens push, for InfluxDB's pusher).
  api = await startIngestApi({
    API_KEY: `${TEST_API_KEY},${PANEL_KEY}:panel,${PUSH_KEY}:push+batch`,
    PUBLIC_ROUTES: 'report',
    MAX_PAYLOAD_SIZE: '1',
  });
  reader = await new TopicReader(BROKERS, api.topic).start();
});

afterAll(async () => {
  await reader?.stop();
  await api?.close();
  if (api) await deleteTopics(BROKERS, [api.topic, `${api.topic}-dlq`]);
});

const panelPost = (body: string | Buffer) => send(`/write?key=${PANEL_KEY}`, 'POST', body, TEXT);
const send = (path: string, method: string, body: string | Buffer | undefined, headers: Record<string, string> = {}) =>
  fetch(`${api.url}${path}`, { method, body, headers });

describe('job@base64 routes', () => {
  it.each(['PUT', 'POST'])('takes %s on /metrics/job@base64/<JOB> with labels', async (method) => {
    // "nightly/backup job" as client_golang (unpadded) sends it; the label as client_python (padded) sends it.
    const path = `/metrics/job@base64/bmlnaHRseS9iYWNrdXAgam9i/instance@base64/aG9zdC8xOjkwOTE=/empty@base64/=`;
    const headers = { ...basic('pusher', PUSH_KEY), 'content-type': 'text/plain; version=0.0.4' };
    const res = await send(path, method, pushText, headers);
    expect(res.status).toBe(202);
    const [landed] = await reader.waitFor(1, (l) => l.envelope.id === res.headers.get('x-event-id'));
    expect(landed.envelope).toMatchObject({
      kind: 'metrics',
      source: { route: '/metrics/job@base64/*', apiKeyId: expect.stringMatching(/^[0-9a-f]{12}$/) },
      payload: {
        op: method.toLowerCase(),
        job: 'nightly/backup job',
        grouping: { instance: 'host/1:9091', empty: '' },
      },
    });
  });

  it('deletes on /metrics/job@base64/<JOB>', async () => {
    const res = await send('/metrics/job@base64/YS9i', 'DELETE', undefined, basic('', PUSH_KEY));
    expect(res.status).toBe(202);
    const [landed] = await reader.waitFor(1, (l) => l.envelope.id === res.headers.get('x-event-id'));
    expect(landed.envelope.payload).toEqual({ op: 'delete', job: 'a/b', grouping: {}, families: [] });
  });

  it('answers 400 for the base64 Pushgateway refuses', async () => {
    const cases: Array<[string, string]> = [
      ['/metrics/job@base64/=', 'job name must not be empty'],
      ['/metrics/job@base64/YS9iY', 'invalid base64 in grouping key'],
      ['/metrics/job@base64/YS9i/x@base64/a*b', 'invalid base64 in grouping key'],
      ['/metrics/job@base64/YS9i/lonely', 'grouping key must be label/value pairs after /metrics/job/<JOB>'],
      ['/metrics/job@base64/YS9i/__x/1', 'invalid label name "__x" in grouping key'],
    ];
    for (const [path, message] of cases) {
      const res = await send(path, 'PUT', 'm 1\n', basic('u', PUSH_KEY));
      expect([path, res.status, ((await res.json()) as { message: string }).message]).toEqual([path, 400, message]);
    }
  });
});

describe('authentication and key scopes', () => {
  it('takes the key as the Basic password on every route group, beside Bearer and X-API-Key', async () => {
    const statuses = [
      (await send('/grafana-usage-report', 'POST', report, basic('grafana', TEST_API_KEY))).status,
      (await send('/write', 'POST', panel, basic('anyone', TEST_API_KEY))).status,
      (await send('/metrics/job/basic', 'PUT', pushText, basic('pusher', TEST_API_KEY))).status,
      (await send('/api/v1/ingest', 'POST', report, basic('batch', TEST_API_KEY))).status,
      (await send('/metrics/job/bearer', 'PUT', pushText, { authorization: `Bearer ${TEST_API_KEY}` })).status,
      (await send('/metrics/job/header', 'PUT', pushText, { 'x-api-key': TEST_API_KEY })).status,
    ];
    expect(statuses).toEqual([200, 201, 202, 200, 202, 202]);
  });

  it('answers 401 with Basic and Bearer challenges on push routes, Bearer only on the panel route', async () => {
    const missing = await send('/metrics/job/x', 'PUT', pushText);
    expect([missing.status, await missing.json()]).toEqual([401, { message: 'missing API key' }]);
    expect(missing.headers.get('www-authenticate')).toBe('Basic realm="usage-stats-handler", charset="UTF-8", Bearer');
    const wrong = await send('/metrics/job/x', 'PUT', pushText, basic('pusher', 'wrong-key-0123456789abcdef'));
    expect([wrong.status, await wrong.json()]).toEqual([401, { message: 'invalid API key' }]);
    const panelMissing = await send('/write', 'POST', panel);
    expect([panelMissing.status, panelMissing.headers.get('www-authenticate')]).toEqual([401, 'Bearer']);
  });

  it('lets the panel key open the panel route only (403 on push and batch)', async () => {
    expect((await send(`/write?key=${PANEL_KEY}`, 'POST', panel, { 'content-type': 'text/plain' })).status).toBe(201);
    const bearer = { authorization: `Bearer ${PANEL_KEY}` };
    const push = await send(`/metrics/job/x?key=${PANEL_KEY}`, 'PUT', pushText, bearer);
    expect([push.status, await push.json()]).toEqual([403, { message: 'API key not allowed on push routes' }]);
    expect((await send('/api/v1/ingest', 'POST', report, { 'x-api-key': PANEL_KEY })).status).toBe(403);
    // ?key= is read on the panel route only, whatever the key.
    expect((await send(`/metrics/job/x?key=${TEST_API_KEY}`, 'PUT', pushText)).status).toBe(401);
  });

  it('lets a push+batch key push but not write panel events', async () => {
    expect((await send('/metrics/job/scoped', 'POST', pushText, basic('ci', PUSH_KEY))).status).toBe(202);
    expect((await send('/write', 'POST', panel, { authorization: `Bearer ${PUSH_KEY}` })).status).toBe(403);
  });

  it('opens a public route group without credentials, lands it without a key id', async () => {
    const res = await send('/grafana-usage-report', 'POST', report, { 'content-type': 'application/json' });
    expect(res.status).toBe(200);
    // The same report was posted with a key before (same natural key, so the same id): find the keyless copy.
    const keyless = (l: Landed) =>
      l.envelope.id === res.headers.get('x-event-id') && l.envelope.source.apiKeyId === undefined;
    const [landed] = await reader.waitFor(1, keyless);
    expect(landed.envelope.source.route).toBe('/grafana-usage-report');
  });
});

describe('Content-Encoding on push routes', () => {
  it('takes snappy (framing format, as prometheus_client sends it) and a bare snappy block', async () => {
    for (const name of ['push.txt.sz', 'push.txt.snappy-block']) {
      const res = await send('/metrics/job/snappy', 'PUT', fixture(`samples/${name}`), SNAPPY);
      expect([name, res.status]).toEqual([name, 202]);
      const [landed] = await reader.waitFor(1, (l) => l.envelope.id === res.headers.get('x-event-id'));
      const families = (landed.envelope.payload as { families: Array<{ name: string }> }).families;
      expect(families.map((f) => f.name)).toEqual(['influxdb_uptime_seconds', 'influxdb_buckets_total']);
    }
  });

  it('refuses a snappy body that inflates past MAX_PAYLOAD_SIZE with 413, and corrupt snappy with 400', async () => {
    // 4 MB of zeros in 64 KiB framed chunks of ~3 KB each: small on the wire, over the 1 MB test limit inflated.
    const chunk = Buffer.concat([Buffer.from([0x00, 0, 0, 0]), Buffer.alloc(4), compressZeros()]);
    chunk.writeUIntLE(chunk.length - 4, 1, 3);
    chunk.writeUInt32LE(maskedCrc(Buffer.alloc(65_536)), 4);
    const streamId = Buffer.from('ff060000734e61507059', 'hex');
    const bomb = Buffer.concat([streamId, ...Array.from({ length: 64 }, () => chunk)]);
    const res = await send('/metrics/job/bomb', 'PUT', bomb, { ...basic('u', PUSH_KEY), 'content-encoding': 'snappy' });
    const message = `decompressed body exceeds ${api.config.app.maxPayloadBytes} bytes`;
    expect([res.status, await res.json()]).toEqual([413, { message }]);
    const bad = await send('/metrics/job/bad', 'PUT', Buffer.from([0x05, 0xff]), SNAPPY);
    expect(bad.status).toBe(400);
  });
});

describe('payloads as lenient as the reference servers', () => {
  const landedPayload = async (res: Response) => {
    const [landed] = await reader.waitFor(1, (l) => l.envelope.id === res.headers.get('x-event-id'));
    return landed.envelope.payload as Record<string, unknown>;
  };

  it('takes the panel server\'s own test shape (uuid "", type "", time 0) as a heartbeat: 201', async () => {
    const res = await panelPost(fixture('samples/analytics-panel-reference-shape.json'));
    expect([res.status, await res.text()]).toEqual([201, '']);
    const expected = { uuid: '', type: 'heartbeat', time: 0, dashboard: { uid: 'b_1UbypGz' } };
    expect(await landedPayload(res)).toMatchObject(expected);
  });

  it('folds a flattened panel payload back and takes one with sections missing or null', async () => {
    const flat = {
      uuid: 'flat-1',
      type: 'start',
      time: 1618803734,
      'host.hostname': 'grafana.example',
      'host.buildInfo.version': '10.4.1',
      'dashboard.uid': 'd1',
      'dashboard.name': 'Ops',
      'variables.0.name': 'env',
    };
    const folded = await panelPost(JSON.stringify(flat));
    expect(folded.status).toBe(201);
    expect(await landedPayload(folded)).toEqual({
      uuid: 'flat-1',
      type: 'start',
      time: 1618803734,
      host: { hostname: 'grafana.example', buildInfo: { version: '10.4.1' } },
      dashboard: { uid: 'd1', name: 'Ops' },
      variables: [{ name: 'env' }],
    });
    expect(folded.headers.get('x-event-id')).not.toBeNull();
    const sparse = await panelPost(JSON.stringify({ type: 'focus', user: null, time: 1618803800 }));
    expect(sparse.status).toBe(201);
    expect(await landedPayload(sparse)).toEqual({ type: 'heartbeat', time: 1618803800 });
    expect((await panelPost('[1]')).status).toBe(400);
  });

  it('takes a Grafana report with any version string and an empty usageStatsId: 200', async () => {
    const odd = { ...JSON.parse(report.toString()), version: '11.3.0+security-01 (fork)', usageStatsId: '' };
    const res = await send('/grafana-usage-report', 'POST', JSON.stringify(odd, null, 2), JSON_TYPE);
    expect([res.status, await res.json()]).toEqual([200, { message: 'ok' }]);
    const [landed] = await reader.waitFor(1, (l) => l.envelope.id === res.headers.get('x-event-id'));
    expect(landed.envelope.payload).toEqual(odd);
    // Keyed by the event id, not by "": anonymous instances spread over partitions.
    expect(landed.key).toBe(landed.envelope.id);
    const again = await send('/grafana-usage-report', 'POST', JSON.stringify(odd), JSON_TYPE);
    expect(again.headers.get('x-event-id')).toBe(res.headers.get('x-event-id'));
  });

  it('still refuses what Pushgateway refuses: timestamps, bad label names, conflicting types', async () => {
    const cases: Array<[string, string]> = [
      ['m 1 1700000000000\n', 'pushed metrics must not have timestamps'],
      [
        '# TYPE m counter\nm 1\n# TYPE m gauge\nm 2\n',
        'invalid text format: line 3: second TYPE line for metric name "m"',
      ],
      ['m{0bad="x"} 1\n', 'invalid text format: line 1: expected a label name'],
    ];
    for (const [body, message] of cases) {
      const res = await send('/metrics/job@base64/YS9i', 'POST', body, basic('u', PUSH_KEY));
      expect([res.status, await res.json()]).toEqual([400, { message }]);
    }
  });
});

describe('probes', () => {
  it('serves /healthz like /health on both ports', async () => {
    for (const base of [api.url, api.healthUrl]) {
      const res = await fetch(`${base}/healthz`);
      expect([res.status, await res.json()]).toEqual([200, { status: 'ok', info: {}, error: {}, details: {} }]);
    }
  });
});

describe("a public push route (InfluxDB's telemetry pusher: POST, text, no credentials)", () => {
  let open: IngestUnderTest;
  let openReader: TopicReader;

  beforeAll(async () => {
    open = await startIngestApi({
      PUBLIC_ROUTES: 'push',
      RATE_LIMIT_RPS: '0.01',
      RATE_LIMIT_BURST: '2',
      MAX_PAYLOAD_SIZE: '0.01',
    });
    openReader = await new TopicReader(BROKERS, open.topic).start();
  });

  afterAll(async () => {
    await openReader?.stop();
    await open?.close();
    if (open) await deleteTopics(BROKERS, [open.topic, `${open.topic}-dlq`]);
  });

  it('takes the push without a key (202), and still applies the size and per-address rate limits', async () => {
    const headers = { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' };
    const res = await fetch(`${open.url}/metrics/job/influxdb`, { method: 'POST', body: pushText, headers });
    expect(res.status).toBe(202);
    const [landed] = await openReader.waitFor(1, (l) => l.envelope.id === res.headers.get('x-event-id'));
    expect(landed.envelope).toMatchObject({
      source: { route: '/metrics/job/*' },
      payload: { op: 'post', job: 'influxdb' },
    });
    expect(landed.envelope.source.apiKeyId).toBeUndefined();
    const big = `${'m{l="x"} 1\n'.repeat(2000)}`;
    expect((await fetch(`${open.url}/metrics/job/influxdb`, { method: 'POST', body: big, headers })).status).toBe(413);
    const limited = await fetch(`${open.url}/metrics/job/influxdb`, { method: 'POST', body: pushText, headers });
    expect([limited.status, Number(limited.headers.get('retry-after')) > 0]).toEqual([429, true]);
    // The other groups keep their keys.
    expect((await fetch(`${open.url}/api/v1/ingest`, { method: 'POST', body: report })).status).toBe(401);
  });
});
