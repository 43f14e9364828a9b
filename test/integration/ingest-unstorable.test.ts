import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writer } from 'protobufjs';
import { TEST_API_KEY } from '../support/apps';
import { IngestUnderTest, TopicReader, deleteTopics, startIngestApi } from '../support/ingest-harness';

// Values no store can hold (lone surrogates, NUL characters, numbers past float64) get a clear
// 400 on every route and never reach Kafka; valid neighbours in a batch are still accepted.
const BROKERS = 'localhost:9092';
const report = readFileSync(join(__dirname, '../fixtures/samples/grafana-usage-report.json'), 'utf8');
const panel = readFileSync(join(__dirname, '../fixtures/samples/analytics-panel-start.json'), 'utf8');
const auth = { authorization: `Bearer ${TEST_API_KEY}` };
const json = { ...auth, 'content-type': 'application/json' };
const PROTOBUF = 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited';
const SURROGATE = /lone UTF-16 surrogate/;

/** Splices raw JSON text (escapes kept as written) into a document's `metrics` or `variables`. */
const reportWith = (raw: string) => report.replace('"metrics": {', `"metrics": {"odd": ${raw},`);
const panelWith = (raw: string) => panel.replace('"variables": [', `"variables": [${raw},`);

let api: IngestUnderTest;
let reader: TopicReader;
beforeAll(async () => {
  api = await startIngestApi({ RATE_LIMIT_RPS: '0' });
  reader = await new TopicReader(BROKERS, api.topic).start();
});
afterAll(async () => {
  await reader?.stop();
  await api?.close();
  await deleteTopics(BROKERS, [api.topic, `${api.topic}-dlq`]);
});

const send = async (path: string, body: string | Buffer, headers: Record<string, string>, method = 'POST') => {
  const res = await fetch(`${api.url}${path}`, { method, body, headers });
  const text = await res.text();
  // The reason as written (JSON escaping undone where the body is JSON).
  return {
    status: res.status,
    text: text.startsWith('{') ? JSON.stringify(JSON.parse(text), null, 0).replace(/\\"/g, '"') : text,
  };
};

it.each([
  ['a lone surrogate escape', '"\\ud800"', SURROGATE],
  ['a lone low surrogate in a key', '{"\\udc00x": 1}', SURROGATE],
  ['a NUL escape', '"a\\u0000b"', /NUL character/],
  ['a number past float64', '1e400', /outside the float64 range/],
])('refuses %s with 400 on the JSON routes', async (_, raw, reason) => {
  for (const [path, body, headers] of [
    ['/grafana-usage-report', reportWith(raw), json],
    ['/api/v1/ingest', reportWith(raw), json],
    ['/write', panelWith(raw), { ...auth, 'content-type': 'text/plain' }],
  ] as const) {
    const res = await send(path, body, headers);
    expect([path, res.status]).toEqual([path, 400]);
    expect([path, res.text]).toEqual([path, expect.stringMatching(reason)]);
  }
});

it('judges each item of a batch on its own: the valid one is accepted (207), the other rejected with the reason', async () => {
  const good = {
    kind: 'usage_report',
    payload: { ...JSON.parse(report), usageStatsId: '11111111-2222-4333-8444-555555555555' },
  };
  const array = `[${JSON.stringify(good)}, {"kind":"usage_report","payload":${reportWith('"\\ud800"')}}]`;
  const res = await send('/api/v1/ingest', array, json);
  expect(res.status).toBe(207);
  expect(JSON.parse(res.text)).toMatchObject({
    accepted: 1,
    rejected: 1,
    results: [{ status: 'accepted' }, { status: 'rejected', reason: expect.stringMatching(SURROGATE) }],
  });
  const ndjson = `{"kind":"usage_report","payload":${reportWith('"\\u0000"').replace(/\n/g, '')}}\n${JSON.stringify(good)}\n`;
  const nd = await send('/api/v1/ingest', ndjson, { ...auth, 'content-type': 'application/x-ndjson' });
  expect(nd.status).toBe(207);
  expect(JSON.parse(nd.text)).toMatchObject({
    results: [{ status: 'rejected', reason: expect.stringMatching(/NUL character/) }, { status: 'accepted' }],
  });
});

it('refuses NUL characters and invalid Unicode in push label values, help texts and path values', async () => {
  expect(await send('/metrics/job/j', 'a{x="nul\0here"} 1\n', auth, 'PUT')).toMatchObject({
    status: 400,
    text: expect.stringMatching(/value of label "x" contains a NUL/),
  });
  expect(await send('/metrics/job/j', '# HELP a nul\0\na 1\n', auth, 'PUT')).toMatchObject({
    status: 400,
    text: expect.stringMatching(/help text contains a NUL/),
  });
  expect(await send('/metrics/job/j%00x', 'a 1\n', auth, 'PUT')).toMatchObject({
    status: 400,
    text: expect.stringMatching(/path value of "job" contains a NUL/),
  });
  // UTF-8 bytes ED A0 80 would spell a lone surrogate: protobuf strings are decoded strictly.
  const label = new Writer()
    .uint32((1 << 3) | 2)
    .string('x')
    .uint32((2 << 3) | 2)
    .bytes(Buffer.from([0xed, 0xa0, 0x80]))
    .finish();
  const metric = new Writer()
    .uint32((1 << 3) | 2)
    .bytes(label)
    .uint32((2 << 3) | 2)
    .bytes(
      new Writer()
        .uint32((1 << 3) | 1)
        .double(1)
        .finish(),
    )
    .finish();
  const family = new Writer()
    .uint32((1 << 3) | 2)
    .string('a')
    .uint32(3 << 3)
    .int32(1)
    .uint32((4 << 3) | 2)
    .bytes(metric)
    .finish();
  const body = Buffer.from(new Writer().bytes(family).finish());
  expect(await send('/metrics/job/j', body, { ...auth, 'content-type': PROTOBUF }, 'PUT')).toMatchObject({
    status: 400,
    text: expect.stringMatching(/a string field is not valid UTF-8/),
  });
});

it('let nothing refused reach Kafka: only the two valid batch items landed', async () => {
  const marker = await send('/grafana-usage-report', report.replace('"os": "linux"', '"os": "marker"'), json);
  expect(marker.status).toBe(200);
  await reader.waitFor(1, (l) => (l.envelope.payload as { os?: string }).os === 'marker');
  expect(reader.landed).toHaveLength(3);
});
