import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { TEST_API_KEY } from '../support/apps';
import { IngestUnderTest, deleteTopics, startIngestApi } from '../support/ingest-harness';

// Auth, size limits, malformed bodies and rate limits: every refusal is a clear 4xx with a
// JSON message, never a 500 and never a crash.
const BROKERS = 'localhost:9092';
const report = readFileSync(join(__dirname, '../fixtures/samples/grafana-usage-report.json'), 'utf8');
const panel = readFileSync(join(__dirname, '../fixtures/samples/analytics-panel-start.json'), 'utf8');
const auth = { authorization: `Bearer ${TEST_API_KEY}` };
const ROTATED_KEY = 'rotated-key-abcdefghijklmnop';

let api: IngestUnderTest;
let limited: IngestUnderTest;

beforeAll(async () => {
  api = await startIngestApi({
    MAX_PAYLOAD_SIZE: '0.25',
    API_KEY: `${TEST_API_KEY},${ROTATED_KEY}`,
    PUSH_MAX_SAMPLES: '3',
    INGEST_BATCH_MAX_ITEMS: '5',
  });
  limited = await startIngestApi({
    RATE_LIMIT_RPS: '1',
    RATE_LIMIT_BURST: '2',
    GRAFANA_REPORT_PUBLIC: 'true',
    TRUST_PROXY: 'loopback',
  });
});

afterAll(async () => {
  for (const a of [api, limited]) {
    if (!a) continue;
    await a.close();
    await deleteTopics(BROKERS, [a.topic, `${a.topic}-dlq`]);
  }
});

const send = (
  target: IngestUnderTest,
  path: string,
  body: string | Buffer | undefined,
  headers: Record<string, string> = {},
  method = 'POST',
) => fetch(`${target.url}${path}`, { method, body, headers });

describe('authentication', () => {
  it.each([
    ['no key', {}, 'missing API key'],
    ['a wrong Bearer key', { authorization: 'Bearer wrong-key-0123456789abcdef' }, 'invalid API key'],
    ['a wrong X-API-Key', { 'x-api-key': 'wrong' }, 'invalid API key'],
  ])('answers 401 with a JSON error for %s', async (_, headers, message) => {
    for (const path of ['/grafana-usage-report', '/api/v1/ingest', '/write', '/metrics/job/j']) {
      const res = await send(api, path, report, headers as Record<string, string>);
      expect([path, res.status, await res.json()]).toEqual([path, 401, { message }]);
    }
  });

  it('accepts every configured key (rotation), in Bearer, X-API-Key or (panel only) ?key=', async () => {
    expect((await send(api, '/grafana-usage-report', report, { authorization: `Bearer ${ROTATED_KEY}` })).status).toBe(
      200,
    );
    expect((await send(api, '/grafana-usage-report', report, { 'x-api-key': TEST_API_KEY })).status).toBe(200);
    expect((await send(api, `/write?key=${ROTATED_KEY}`, panel, { 'content-type': 'text/plain' })).status).toBe(201);
    expect((await send(api, `/grafana-usage-report?key=${TEST_API_KEY}`, report)).status).toBe(401);
  });

  it('opens the Grafana route when GRAFANA_REPORT_PUBLIC=true, and only that route', async () => {
    expect((await send(limited, '/grafana-usage-report', report)).status).toBe(200);
    expect((await send(limited, '/api/v1/ingest', report)).status).toBe(401);
  });

  it('needs no key for probes', async () => {
    expect((await send(api, '/health', undefined, {}, 'GET')).status).toBe(200);
    expect((await send(api, '/ready', undefined, {}, 'GET')).status).toBe(200);
  });
});

describe('size limits (MAX_PAYLOAD_SIZE=0.25 MB here)', () => {
  const big = JSON.stringify({ version: '11_0_0', metrics: { padding: 'x'.repeat(300_000) } });

  it('answers 413 to an oversized body, with or without Content-Length', async () => {
    const res = await send(api, '/grafana-usage-report', big, { ...auth, 'content-type': 'application/json' });
    expect(res.status).toBe(413);
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${api.url}/api/v1/ingest`,
        { method: 'POST', headers: { ...auth, 'transfer-encoding': 'chunked' } },
        (r) => {
          r.resume();
          resolve(r.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 10; i++) req.write('x'.repeat(50_000));
      req.end();
    });
    expect(chunked).toBe(413);
  });

  it('answers 413 to a gzip bomb (small compressed, huge decompressed) on every route', async () => {
    const bomb = gzipSync(Buffer.alloc(20 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(64 * 1024);
    for (const path of ['/grafana-usage-report', '/api/v1/ingest', '/write', '/metrics/job/j']) {
      const res = await send(api, path, bomb, { ...auth, 'content-encoding': 'gzip' });
      expect([path, res.status]).toEqual([path, 413]);
    }
  });

  it('caps samples per push and items per batch', async () => {
    const push = 'a 1\nb 2\nc 3\nd 4\n';
    expect((await send(api, '/metrics/job/j', push, auth)).status).toBe(413);
    expect((await send(api, '/metrics/job/j', push.split('\n').slice(0, 3).join('\n'), auth)).status).toBe(202);
    const items = Array.from({ length: 6 }, () => ({ kind: 'usage_report', payload: JSON.parse(report) }));
    expect((await send(api, '/api/v1/ingest', JSON.stringify(items), auth)).status).toBe(413);
  });
});

describe('malformed bodies: a clear 400, never a 500', () => {
  const deep = (n: number) => `{"version":"1","metrics":{"a":${'['.repeat(n)}${']'.repeat(n)}}}`;
  const invalidUtf8 = Buffer.concat([
    Buffer.from('{"version":"1","metrics":{"name":"'),
    Buffer.from([0xc3, 0x28, 0xff]),
    Buffer.from('"}}'),
  ]);
  const cases: Array<[string, string | Buffer, RegExp]> = [
    ['bad JSON', '{"version": "11_0_0", "metrics": {', /invalid JSON/],
    [
      'wrong types',
      '{"version": 11, "metrics": "many", "uuid": 5, "type": "start", "host": {}, "dashboard": {}, "time": 1}',
      /^(\/version|invalid analytics event: \/uuid|payload: \/version) must be string$/,
    ],
    ['deep nesting', deep(10_000), /nested deeper/],
    ['a __proto__ key', '{"version":"1","metrics":{},"__proto__":{"isAdmin":true}}', /forbidden key "__proto__"/],
    [
      'a constructor key',
      '{"version":"1","metrics":{"constructor":{"prototype":{"x":1}}}}',
      /forbidden key "constructor"/,
    ],
    ['invalid UTF-8', invalidUtf8, /not valid UTF-8/],
    ['a gzip header on plain bytes', '{"version":"1"}', /not valid gzip/],
  ];

  it.each(cases)('%s', async (name, body, reason) => {
    const headers = {
      ...auth,
      'content-type': 'application/json',
      ...(name.startsWith('a gzip') ? { 'content-encoding': 'gzip' } : {}),
    };
    for (const path of ['/grafana-usage-report', '/api/v1/ingest', '/write']) {
      const res = await send(api, path, body, headers);
      const json = (await res.json()) as { message?: string; detail?: string; results?: Array<{ reason?: string }> };
      expect([path, res.status]).toEqual([path, 400]);
      // Grafana's route keeps Grafana's message and explains in `detail`; a batch explains per item.
      expect([path, json.detail ?? json.results?.[0]?.reason ?? json.message]).toEqual([
        path,
        expect.stringMatching(reason),
      ]);
    }
  });

  it('rejects a malformed push path or body with 400', async () => {
    expect((await send(api, '/metrics/job/j/lonely', 'a 1\n', auth)).status).toBe(400);
    expect((await send(api, '/metrics/job/j', 'a{x="1" 1\n', auth)).status).toBe(400);
    expect((await send(api, '/metrics/job/j', Buffer.from([0xff, 0xfe, 0x0a]), auth)).status).toBe(400);
    expect(
      (
        await send(api, '/metrics/job/j', Buffer.from([0xff, 0xff, 0xff, 0x0f]), {
          ...auth,
          'content-type':
            'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited',
        })
      ).status,
    ).toBe(400);
  });

  it('is still serving after all of that', async () => {
    expect((await send(api, '/grafana-usage-report', report, auth)).status).toBe(200);
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After once a client exceeds its burst', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 6; i++) {
      // A client address of its own (X-Forwarded-For from loopback is trusted here: TRUST_PROXY=loopback).
      const res = await send(limited, '/grafana-usage-report', report, {
        'content-type': 'application/json',
        'x-forwarded-for': '203.0.113.7',
      });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
    }
    expect(statuses.slice(0, 2)).toEqual([200, 200]);
    expect(statuses).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect((await send(limited, '/ready', undefined, {}, 'GET')).status).toBe(200);
  });
});
