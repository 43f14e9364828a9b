import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Kafka, logLevel } from 'kafkajs';
import { eventIdFor } from '@app/contracts';
import { ApiKeys } from '../../apps/ingest-api/src/auth/api-keys';
import { TEST_API_KEY, waitFor } from '../support/apps';
import { IngestUnderTest, TopicReader, deleteTopics, startIngestApi } from '../support/ingest-harness';

// Acceptance of the ingest routes against the real Kafka: what each real client sends lands
// on the events topic once, in its envelope, keyed by the instance.
const BROKERS = 'localhost:9092';
const fixture = (name: string) => readFileSync(join(__dirname, '../fixtures', name));
const report = fixture('samples/grafana-usage-report.json');
const panel = fixture('samples/analytics-panel-start.json');
const auth = { authorization: `Bearer ${TEST_API_KEY}` };
type Batch = {
  accepted: number;
  rejected: number;
  results: Array<{ index: number; id?: string; status: string; reason?: string }>;
};

let api: IngestUnderTest;
let reader: TopicReader;

beforeAll(async () => {
  api = await startIngestApi();
  reader = await new TopicReader(BROKERS, api.topic).start();
});

afterAll(async () => {
  await reader?.stop();
  await api?.close();
  if (api) await deleteTopics(BROKERS, [api.topic, `${api.topic}-dlq`]);
});

async function messagesOnTopic(): Promise<number> {
  const admin = new Kafka({ clientId: 'ingest-test-offsets', brokers: [BROKERS], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(api.topic)).reduce((n, p) => n + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

const post = (path: string, body: string | Buffer, headers: Record<string, string> = {}, method = 'POST') =>
  fetch(`${api.url}${path}`, { method, body, headers: { ...auth, ...headers } });

describe('POST /grafana-usage-report', () => {
  it('lands a realistic report (non-numeric metric values) exactly once, in its envelope, keyed by usageStatsId', async () => {
    const realistic = {
      ...JSON.parse(report.toString()),
      metrics: {
        ...JSON.parse(report.toString()).metrics,
        'stats.features.enabled': 'publicDashboards,alerting',
        'stats.sso.enabled': true,
        'stats.db.type': { name: 'sqlite3' },
      },
    };
    const before = await messagesOnTopic();
    const res = await post('/grafana-usage-report', JSON.stringify(realistic, null, 2), {
      'content-type': 'application/json',
      'x-request-id': '4bf92f3577b34da6a3ce929d0e0e4736',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ message: 'ok' });
    expect(res.headers.get('x-correlation-id')).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    const id = res.headers.get('x-event-id')!;
    const [landed] = await reader.waitFor(1, (l) => l.envelope.id === id);
    expect(landed.key).toBe(realistic.usageStatsId);
    expect(landed.envelope).toMatchObject({
      v: 1,
      kind: 'usage_report',
      correlationId: '4bf92f3577b34da6a3ce929d0e0e4736',
      source: { route: '/grafana-usage-report', ip: '127.0.0.1', apiKeyId: expect.stringMatching(/^[0-9a-f]{12}$/) },
      payload: realistic,
    });
    expect(JSON.stringify(landed.envelope)).not.toContain(TEST_API_KEY);
    expect(landed.headers).toMatchObject({
      'correlation-id': '4bf92f3577b34da6a3ce929d0e0e4736',
      'event-id': id,
      'event-kind': 'usage_report',
      'envelope-version': '1',
    });
    expect(Math.abs(landed.envelope.receivedAt - Date.now())).toBeLessThan(60_000);
    expect(await messagesOnTopic()).toBe(before + 1);
  });

  it('gives a repost of the same report, and any post with the same Idempotency-Key, the same event id', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 2; i++)
      ids.push(
        (await post('/grafana-usage-report', report, { 'content-type': 'application/json' })).headers.get(
          'x-event-id',
        )!,
      );
    expect(ids[0]).toBe(ids[1]);
    const changed = JSON.stringify({ ...JSON.parse(report.toString()), os: 'windows' });
    const keyed = await Promise.all(
      [report, changed].map(async (body) =>
        (await post('/grafana-usage-report', body, { 'idempotency-key': 'retry-42' })).headers.get('x-event-id')!,
      ),
    );
    expect(keyed[0]).toBe(keyed[1]);
    expect(keyed[0]).not.toBe(ids[0]);
    const landed = await reader.waitFor(4, (l) => ids.includes(l.envelope.id) || keyed.includes(l.envelope.id));
    expect(new Set(landed.map((l) => l.envelope.id))).toEqual(new Set([ids[0], keyed[0]]));
  });

  it('answers like Grafana for invalid reports', async () => {
    const cases: Array<[unknown, string]> = [
      [{ metrics: {} }, 'invalid version'],
      [{ version: 11, metrics: {} }, 'invalid version'],
      [{ version: '11_3_0' }, 'invalid metrics'],
      [{ version: '11_3_0', metrics: [1] }, 'invalid metrics'],
      [{ version: '11_3_0', metrics: {}, hasValidLicense: 'yes' }, 'invalid report'],
      [[1, 2], 'invalid report'],
    ];
    for (const [body, message] of cases) {
      const res = await post('/grafana-usage-report', JSON.stringify(body), { 'content-type': 'application/json' });
      expect([res.status, ((await res.json()) as { message: string }).message]).toEqual([400, message]);
    }
  });
});

describe('POST /write (analytics panel)', () => {
  it('accepts the panel payload sent as text/plain: 201, empty body, lands keyed by host', async () => {
    const res = await fetch(`${api.url}/write?key=${TEST_API_KEY}`, {
      method: 'POST',
      body: panel,
      headers: { 'content-type': 'text/plain;charset=UTF-8', origin: 'http://grafana.example:3000' },
    });
    expect(res.status).toBe(201);
    expect(await res.text()).toBe('');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const id = res.headers.get('x-event-id')!;
    const [landed] = await reader.waitFor(1, (l) => l.envelope.id === id);
    expect(landed.key).toBe('localhost');
    expect(landed.envelope).toMatchObject({
      kind: 'analytics',
      source: { route: '/write' },
      payload: JSON.parse(panel.toString()),
    });
  });

  it('lets a browser on another origin preflight a JSON post', async () => {
    const res = await fetch(`${api.url}/write`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://grafana.example:3000',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(res.status).toBeLessThan(300);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
  });

  it('skips unsaved dashboards (uid "new") and answers 400 on bad JSON', async () => {
    const unsaved = JSON.stringify({
      ...JSON.parse(panel.toString()),
      uuid: 'unsaved-1',
      dashboard: { name: 'New dashboard', uid: 'new' },
    });
    const skipped = await post('/api/v1/analytics', unsaved, { 'content-type': 'text/plain' });
    expect(skipped.status).toBe(201);
    expect(skipped.headers.get('x-event-id')).toBeNull();
    expect((await post('/write', '{"uuid": ', { 'content-type': 'text/plain' })).status).toBe(400);
    const marker = await post('/write', JSON.stringify({ ...JSON.parse(panel.toString()), uuid: 'after-unsaved' }));
    await reader.waitFor(1, (l) => l.envelope.id === marker.headers.get('x-event-id'));
    expect(
      reader.landed.some(
        (l) => l.envelope.kind === 'analytics' && (l.envelope.payload as { uuid: string }).uuid === 'unsaved-1',
      ),
    ).toBe(false);
  });
});

describe('Pushgateway API', () => {
  it('accepts a text-format push (202) and lands it with its grouping key', async () => {
    const res = await post(
      '/metrics/job/influxdb/instance@base64/aG9zdC8x',
      fixture('samples/push.txt'),
      { 'content-type': 'text/plain; version=0.0.4' },
      'PUT',
    );
    expect(res.status).toBe(202);
    const [landed] = await reader.waitFor(1, (l) => l.envelope.id === res.headers.get('x-event-id'));
    expect(landed.key).toBe('{"grouping":{"instance":"host/1"},"job":"influxdb"}');
    expect(landed.envelope).toMatchObject({
      kind: 'metrics',
      payload: { op: 'put', job: 'influxdb', grouping: { instance: 'host/1' } },
    });
    const families = (landed.envelope.payload as { families: Array<{ name: string; samples: unknown[] }> }).families;
    expect(families.map((f) => f.name)).toEqual(['influxdb_uptime_seconds', 'influxdb_buckets_total']);
  });

  it('accepts a gzipped delimited-protobuf push written by the Go client library (202) and lands it', async () => {
    const res = await post('/metrics/job/go-client', gzipSync(fixture('prometheus-push/push.pb')), {
      'content-type': 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited',
      'content-encoding': 'gzip',
    });
    expect(res.status).toBe(202);
    const [landed] = await reader.waitFor(1, (l) => l.envelope.id === res.headers.get('x-event-id'));
    const families = landed.envelope.payload as {
      op: string;
      families: Array<{ name: string; type: string; samples: unknown[] }>;
    };
    expect(families.op).toBe('post');
    expect(families.families.map((f) => [f.name, f.type, f.samples.length])).toEqual([
      ['http_request_duration_seconds', 'histogram', 12],
      ['influxdb_buckets_total', 'counter', 1],
      ['influxdb_uptime_seconds', 'gauge', 1],
      ['rpc_duration_seconds', 'summary', 4],
    ]);
  });

  it('rejects pushes with timestamps (text and protobuf) with 400, recording each as a failed push of its group', async () => {
    const text = await post('/metrics/job/j', 'some_metric 1 1700000000000\n', {}, 'PUT');
    expect([text.status, await text.json()]).toEqual([400, { message: 'pushed metrics must not have timestamps' }]);
    const proto = await post('/metrics/job/j', fixture('prometheus-push/push-with-timestamp.pb'), {
      'content-type': 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited',
    });
    expect([proto.status, await proto.json()]).toEqual([400, { message: 'pushed metrics must not have timestamps' }]);
    const failed = await reader.waitFor(2, (l) => l.envelope.kind === 'metrics' && l.envelope.payload.op === 'fail');
    expect(failed.map((l) => [l.key, l.envelope.payload])).toEqual([
      ['{"grouping":{},"job":"j"}', { op: 'fail', job: 'j', grouping: {}, families: [] }],
      ['{"grouping":{},"job":"j"}', { op: 'fail', job: 'j', grouping: {}, families: [] }],
    ]);
    // A body that does not parse is not a failed push (as in the Pushgateway).
    const garbled = await post('/metrics/job/garbled', 'some_metric{ 1\n', {}, 'PUT');
    expect(garbled.status).toBe(400);
    const ok = await post('/metrics/job/garbled', 'some_metric 1\n', {}, 'PUT');
    await reader.waitFor(1, (l) => l.envelope.id === ok.headers.get('x-event-id'));
    const garbledOps = reader.landed.map((l) =>
      l.envelope.kind === 'metrics' && l.envelope.payload.job === 'garbled' ? l.envelope.payload.op : undefined,
    );
    expect(garbledOps.filter((op) => op !== undefined)).toEqual(['put']);
  });

  it('deletes a group (202) as a delete event', async () => {
    const res = await post('/metrics/job/influxdb/instance/a', '', {}, 'DELETE');
    expect(res.status).toBe(202);
    const [landed] = await reader.waitFor(1, (l) => l.envelope.id === res.headers.get('x-event-id'));
    expect(landed.envelope.payload).toEqual({
      op: 'delete',
      job: 'influxdb',
      grouping: { instance: 'a' },
      families: [],
    });
  });
});

describe('POST /api/v1/ingest', () => {
  it('reports a bad item by index and reason and accepts the rest (JSON array)', async () => {
    const items = [
      { kind: 'usage_report', payload: JSON.parse(report.toString()) },
      { kind: 'usage_report', payload: { version: 12, metrics: {} } },
      { kind: 'analytics', id: 'client-7', payload: { ...JSON.parse(panel.toString()), uuid: 'batch-1' } },
      { kind: 'nonsense', payload: {} },
    ];
    const res = await post('/api/v1/ingest', JSON.stringify(items), { 'content-type': 'application/json' });
    expect(res.status).toBe(207);
    const body = (await res.json()) as Batch;
    expect(body).toMatchObject({ accepted: 2, rejected: 2, skipped: 0 });
    expect(body.results.map((r) => [r.index, r.status])).toEqual([
      [0, 'accepted'],
      [1, 'rejected'],
      [2, 'accepted'],
      [3, 'rejected'],
    ]);
    expect(body.results[1].reason).toBe('payload: /version must be string');
    expect(body.results[3].reason).toMatch(/^\/kind must be equal to constant/);
    const ids = [body.results[0].id!, body.results[2].id!];
    // The usage report's natural key (usageStatsId, day, address) equals the earlier posts'; the item id names the other.
    // ... scoped to the API key's tenant.
    expect(ids[1]).toBe(
      eventIdFor('analytics', items[2].payload, {
        receivedAt: 0,
        clientId: 'client-7',
        tenant: ApiKeys.idOf(TEST_API_KEY),
      }),
    );
    const landed = await reader.waitFor(
      2,
      (l) => ids.includes(l.envelope.id) && l.envelope.source.route === '/api/v1/ingest',
    );
    expect(landed.map((l) => l.envelope.kind).sort()).toEqual(['analytics', 'usage_report']);
  });

  it("reads NDJSON line by line: a malformed line is that item's error only", async () => {
    const lines = [
      JSON.stringify({ kind: 'analytics', payload: { ...JSON.parse(panel.toString()), uuid: 'nd-1' } }),
      '{"kind": "analytics", "payl',
      '',
    ];
    const res = await post('/api/v1/ingest', lines.join('\n'), { 'content-type': 'application/x-ndjson' });
    expect(res.status).toBe(207);
    const body = (await res.json()) as Batch;
    expect(body.results).toEqual([
      { index: 0, id: expect.any(String), status: 'accepted' },
      { index: 1, status: 'rejected', reason: expect.stringMatching(/invalid JSON/) },
    ]);
    await reader.waitFor(1, (l) => l.envelope.id === body.results[0].id);
  });

  it('takes a single JSON object as one usage report, and 400s a batch with nothing valid', async () => {
    const single = await post('/api/v1/ingest', report, { 'content-type': 'application/json' });
    expect(single.status).toBe(200);
    expect(await single.json()).toMatchObject({
      accepted: 1,
      rejected: 0,
      results: [{ index: 0, status: 'accepted' }],
    });
    const bad = await post('/api/v1/ingest', JSON.stringify([{ kind: 'analytics', payload: { time: 'yesterday' } }]), {
      'content-type': 'application/json',
    });
    expect(bad.status).toBe(400);
  });
});

describe('probes and metrics', () => {
  it('serves /health and /ready on the main port and HEALTH_CHECK_PORT without a key', async () => {
    for (const base of [api.url, api.healthUrl]) {
      expect((await fetch(`${base}/health`)).status).toBe(200);
      const ready = await fetch(`${base}/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ok', info: { kafka: { status: 'up' } } });
    }
  });

  it('shows request and produce metrics moving on METRICS_PORT', async () => {
    const sample = async (pattern: RegExp) => {
      const text = await (await fetch(api.metricsUrl)).text();
      return Number(pattern.exec(text)?.[1] ?? 0);
    };
    const requests = /^ingest_http_requests_total\{route="\/grafana-usage-report",method="POST",status="200"\} (\d+)/m;
    const acked = /^ingest_kafka_produce_messages_total\{outcome="acked"\} (\d+)/m;
    const batches = /^ingest_kafka_batch_messages_count (\d+)/m;
    const ack = /^ingest_kafka_ack_latency_seconds_count\{outcome="acked"\} (\d+)/m;
    const before = await Promise.all([requests, acked, batches, ack].map(sample));
    expect((await post('/grafana-usage-report', report)).status).toBe(200);
    const after = await waitFor(async () => {
      const now = await Promise.all([requests, acked, batches, ack].map(sample));
      return now.every((v, i) => v > before[i]) ? now : undefined;
    }, 10_000);
    expect(after[0]).toBe(before[0] + 1);
    const text = await (await fetch(api.metricsUrl)).text();
    expect(text).toMatch(/^ingest_http_request_duration_seconds_bucket\{/m);
    expect(text).toMatch(/^ingest_http_request_bytes_total\{route="\/grafana-usage-report"\} \d+/m);
    expect(text).toMatch(/^ingest_kafka_producer_up 1$/m);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
  });
});
