import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_API_KEY } from '../support/apps';
import { IngestUnderTest, TopicReader, deleteTopics, startIngestApi } from '../support/ingest-harness';

// No forwarded header is trusted unless TRUST_PROXY names the peer: a client cannot pick its
// own address to escape its rate limit or change a usage report's event id.
const BROKERS = 'localhost:9092';
const report = readFileSync(join(__dirname, '../fixtures/samples/grafana-usage-report.json'), 'utf8');
const headers = (forwardedFor: string) => ({
  authorization: `Bearer ${TEST_API_KEY}`,
  'content-type': 'application/json',
  'x-forwarded-for': forwardedFor,
});

let untrusting: IngestUnderTest;
let trusting: IngestUnderTest;
beforeAll(async () => {
  untrusting = await startIngestApi({ RATE_LIMIT_RPS: '0.01', RATE_LIMIT_BURST: '3' });
  trusting = await startIngestApi({ TRUST_PROXY: 'loopback' });
});
afterAll(async () => {
  for (const api of [untrusting, trusting]) {
    if (!api) continue;
    await api.close();
    await deleteTopics(BROKERS, [api.topic, `${api.topic}-dlq`]);
  }
});

const post = (api: IngestUnderTest, forwardedFor: string) =>
  fetch(`${api.url}/grafana-usage-report`, { method: 'POST', body: report, headers: headers(forwardedFor) });

it('by default keys the rate limit by the socket address, whatever X-Forwarded-For says', async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) statuses.push((await post(untrusting, `198.51.100.${i}`)).status);
  expect(statuses).toEqual([200, 200, 200, 429, 429]);
});

it("by default derives the usage report's event id and source address from the socket, not X-Forwarded-For", async () => {
  const reader = await new TopicReader(BROKERS, untrusting.topic).start();
  try {
    const landed = await reader.waitFor(3);
    expect(new Set(landed.map((l) => l.envelope.id)).size).toBe(1);
    expect(new Set(landed.map((l) => l.envelope.source.ip))).toEqual(new Set(['127.0.0.1']));
  } finally {
    await reader.stop();
  }
});

it('with TRUST_PROXY naming the peer, takes the client address from X-Forwarded-For', async () => {
  const ids = await Promise.all(
    ['198.51.100.1', '198.51.100.2'].map(async (ip) => (await post(trusting, ip)).headers.get('x-event-id')),
  );
  expect(ids[0]).not.toBe(ids[1]);
  const reader = await new TopicReader(BROKERS, trusting.topic).start();
  try {
    const landed = await reader.waitFor(2);
    expect(new Set(landed.map((l) => l.envelope.source.ip))).toEqual(new Set(['198.51.100.1', '198.51.100.2']));
  } finally {
    await reader.stop();
  }
});
