import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_API_KEY } from '../support/apps';
import { IngestUnderTest, TopicReader, deleteTopics, startIngestApi } from '../support/ingest-harness';

// Client-supplied ids are scoped to the API key: two tenants using the same Idempotency-Key or
// batch item id get distinct event ids (the worker would otherwise dedupe one tenant's event
// away), while one tenant's retry keeps its id.
const BROKERS = 'localhost:9092';
const OTHER_KEY = 'other-tenant-key-0123456789abcdef';
const panel = readFileSync(join(__dirname, '../fixtures/samples/analytics-panel-start.json'), 'utf8');

let api: IngestUnderTest;
let reader: TopicReader;
beforeAll(async () => {
  api = await startIngestApi({ API_KEY: `${TEST_API_KEY},${OTHER_KEY}`, RATE_LIMIT_RPS: '0' });
  reader = await new TopicReader(BROKERS, api.topic).start();
});
afterAll(async () => {
  await reader?.stop();
  await api?.close();
  await deleteTopics(BROKERS, [api.topic, `${api.topic}-dlq`]);
});

const post = async (key: string, path: string, body: string, extra: Record<string, string> = {}) => {
  const res = await fetch(`${api.url}${path}`, {
    method: 'POST',
    body,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...extra },
  });
  return { status: res.status, id: res.headers.get('x-event-id'), body: await res.text() };
};

it("gives two keys using the same Idempotency-Key distinct event ids, and one key's retry the same id", async () => {
  const headers = { 'idempotency-key': 'shared-key-1' };
  const a = await post(TEST_API_KEY, '/write', panel, headers);
  const retry = await post(TEST_API_KEY, '/write', panel, headers);
  const b = await post(OTHER_KEY, '/write', panel, headers);
  expect([a.status, retry.status, b.status]).toEqual([201, 201, 201]);
  expect(retry.id).toBe(a.id);
  expect(b.id).not.toBe(a.id);
  const landed = await reader.waitFor(3, (l) => l.envelope.kind === 'analytics');
  expect(new Set(landed.map((l) => l.envelope.id))).toEqual(new Set([a.id, b.id]));
  expect(new Set(landed.map((l) => l.headers['event-id']))).toEqual(new Set([a.id, b.id]));
});

it('gives two keys using the same batch item id distinct event ids', async () => {
  const batch = JSON.stringify([{ kind: 'analytics', id: 'item-42', payload: JSON.parse(panel) }]);
  const a = JSON.parse((await post(TEST_API_KEY, '/api/v1/ingest', batch)).body) as { results: Array<{ id: string }> };
  const b = JSON.parse((await post(OTHER_KEY, '/api/v1/ingest', batch)).body) as { results: Array<{ id: string }> };
  expect(a.results[0].id).toMatch(/^[0-9a-f]{32}$/);
  expect(b.results[0].id).not.toBe(a.results[0].id);
  const ids = [a.results[0].id, b.results[0].id];
  await reader.waitFor(2, (l) => ids.includes(l.envelope.id));
});
