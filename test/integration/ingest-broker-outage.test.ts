import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRODUCER_CLIENTS, TEST_API_KEY, waitFor } from '../support/apps';
import { IngestUnderTest, TopicReader, startIngestApi } from '../support/ingest-harness';
import { KafkaService, startKafka } from '../support/services';

// The delivery contract when Kafka goes away: 503 with Retry-After within a few seconds,
// /ready false, nothing acknowledged that Kafka does not have, and recovery without a restart.
// A private broker is stopped here, never the shared one. Both producer clients keep this contract.
const report = readFileSync(join(__dirname, '../fixtures/samples/grafana-usage-report.json'));
const auth = { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' };
/** Polls `<base>/ready` until it answers `status`. */
const readinessBecomes = (base: string, status: number, timeoutMs: number, what: string) =>
  waitFor(async () => (await fetch(`${base}/ready`)).status === status, timeoutMs, 200, what);

let kafka: KafkaService;

beforeAll(async () => {
  kafka = await startKafka();
}, 180_000);

afterAll(async () => {
  await kafka?.stop();
});

describe.each(PRODUCER_CLIENTS)('KAFKA_PRODUCER_CLIENT=%s', (client) => {
  let api: IngestUnderTest;

  beforeAll(async () => {
    api = await startIngestApi({
      KAFKA_BROKERS: kafka.brokers,
      KAFKA_ACK_TIMEOUT_MS: '3000',
      RETRY_AFTER_SECONDS: '7',
      KAFKA_PRODUCER_CLIENT: client,
    });
  }, 60_000);

  afterAll(async () => {
    await api?.close();
  });

  const postReport = (idempotencyKey: string) =>
    fetch(`${api.url}/grafana-usage-report`, {
      method: 'POST',
      body: report,
      headers: { ...auth, 'idempotency-key': idempotencyKey },
    });

  it('answers 503 + Retry-After while the broker is down, reports not ready, and recovers by itself', async () => {
    const before = await postReport('before-outage');
    expect(before.status).toBe(200);

    await kafka.stop();
    const started = Date.now();
    const during = await postReport('during-outage');
    expect(during.status).toBe(503);
    expect(during.headers.get('retry-after')).toBe('7');
    expect(await during.json()).toEqual({ message: 'event store unavailable, retry later' });
    expect(Date.now() - started).toBeLessThan(5000);

    for (const base of [api.url, api.healthUrl]) {
      await readinessBecomes(base, 503, 10_000, `${base}/ready to fail`);
    }
    expect((await fetch(`${api.url}/health`)).status).toBe(200);
    // While down, refusals are immediate: nothing waits on a dead broker.
    const fastStart = Date.now();
    expect((await postReport('during-outage-2')).status).toBe(503);
    expect(Date.now() - fastStart).toBeLessThan(1000);
    const metrics = await (await fetch(api.metricsUrl)).text();
    expect(metrics).toMatch(/^ingest_kafka_producer_up 0$/m);
    expect(metrics).toMatch(
      /^ingest_http_requests_total\{route="\/grafana-usage-report",method="POST",status="503"\} [1-9]/m,
    );

    await kafka.restart();
    await readinessBecomes(api.url, 200, 60_000, 'ready again after the broker restart');
    const after = await postReport('after-outage');
    expect(after.status).toBe(200);

    const reader = await new TopicReader(kafka.brokers, api.topic).start();
    try {
      const ids = [before.headers.get('x-event-id'), after.headers.get('x-event-id')];
      const landed = await reader.waitFor(2, (l) => ids.includes(l.envelope.id), 60_000);
      expect(new Set(landed.map((l) => l.envelope.id))).toEqual(new Set(ids));
    } finally {
      await reader.stop();
    }
  });

  it('notices an idle outage by itself: /ready turns false with no traffic, then true again', async () => {
    expect((await fetch(`${api.url}/ready`)).status).toBe(200);
    await kafka.stop();
    await readinessBecomes(api.healthUrl, 503, 15_000, 'the idle probe to notice the outage');
    expect((await postReport('idle-outage')).status).toBe(503);
    await kafka.restart();
    await readinessBecomes(api.healthUrl, 200, 60_000, 'ready again');
    expect((await postReport('after-idle-outage')).status).toBe(200);
  });
});
