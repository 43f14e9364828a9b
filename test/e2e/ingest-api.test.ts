import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunningApp, TEST_API_KEY, baseEnv, getFreePort, randomName, startApp } from '../support/apps';
import { TopicReader, deleteTopics } from '../support/ingest-harness';

// The built ingest API as a process (`npm run build` first): every client protocol lands on
// the topic, metrics are served on their own port, and SIGTERM loses nothing it acknowledged.
const BROKERS = 'localhost:9092';
const fixture = (name: string) => readFileSync(join(__dirname, '../fixtures', name));
const auth = { authorization: `Bearer ${TEST_API_KEY}` };

let app: RunningApp | undefined;
let reader: TopicReader;
let url: string;
let metricsUrl: string;
const topic = randomName('ingest_e2e');

beforeAll(async () => {
  const [port, metricsPort, healthPort] = [await getFreePort(), await getFreePort(), await getFreePort()];
  url = `http://127.0.0.1:${port}`;
  metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  const env = baseEnv({
    PORT: String(port),
    METRICS_PORT: String(metricsPort),
    HEALTH_CHECK_PORT: String(healthPort),
    KAFKA_TOPIC: topic,
    KAFKA_DEAD_LETTER_TOPIC: `${topic}-dlq`,
    KAFKA_TOPIC_PARTITIONS: '3',
    RATE_LIMIT_RPS: '0',
    LOG_LEVEL: 'info',
  });
  app = await startApp('ingest-api', env, `http://127.0.0.1:${healthPort}/ready`, 60_000);
  reader = await new TopicReader(BROKERS, topic).start();
});

afterAll(async () => {
  await reader?.stop();
  await app?.stop('SIGKILL');
  await deleteTopics(BROKERS, [topic, `${topic}-dlq`]);
});

it('lands a Grafana report, a panel event and a push sent to the running app', async () => {
  const responses = await Promise.all([
    fetch(`${url}/grafana-usage-report`, {
      method: 'POST',
      body: fixture('samples/grafana-usage-report.json'),
      headers: { ...auth, 'content-type': 'application/json' },
    }),
    fetch(`${url}/write?key=${TEST_API_KEY}`, {
      method: 'POST',
      body: fixture('samples/analytics-panel-start.json'),
      headers: { 'content-type': 'text/plain' },
    }),
    fetch(`${url}/metrics/job/influxdb`, { method: 'PUT', body: fixture('samples/push.txt'), headers: auth }),
  ]);
  expect(responses.map((r) => r.status)).toEqual([200, 201, 202]);
  const ids = responses.map((r) => r.headers.get('x-event-id'));
  const landed = await reader.waitFor(3, (l) => ids.includes(l.envelope.id));
  expect(landed.map((l) => l.envelope.kind).sort()).toEqual(['analytics', 'metrics', 'usage_report']);
  const metrics = await (await fetch(metricsUrl)).text();
  expect(metrics).toMatch(/^ingest_kafka_produce_messages_total\{outcome="acked"\} [3-9]/m);
  expect(metrics).toMatch(/^ingest_http_requests_total\{route="\/write",method="POST",status="201"\} 1$/m);
});

it('on SIGTERM answers what is in flight, loses nothing it acknowledged, and exits 0', async () => {
  const report = JSON.parse(fixture('samples/grafana-usage-report.json').toString());
  const results: Array<{ status: number; id: string | null; afterSignal: boolean }> = [];
  let signalled = false;
  let exited: Promise<number | null> | undefined;
  // Eight clients send continuously; SIGTERM comes while requests are in flight.
  const client = async (c: number) => {
    for (let i = 0; i < 500; i++) {
      const body = JSON.stringify({ ...report, usageStatsId: `shutdown-${c}-${i}` });
      const r = await fetch(`${url}/grafana-usage-report`, {
        method: 'POST',
        body,
        headers: { ...auth, 'content-type': 'application/json' },
      })
        .then((res) => ({ status: res.status, id: res.headers.get('x-event-id'), afterSignal: signalled }))
        .catch(() => ({ status: 0, id: null, afterSignal: signalled }));
      results.push(r);
      if (!signalled && results.filter((x) => x.status === 200).length >= 40) {
        signalled = true;
        exited = app!.stop('SIGTERM');
      }
      if (r.status !== 200) return;
    }
  };
  await Promise.all(Array.from({ length: 8 }, (_, c) => client(c)));
  expect(signalled).toBe(true);
  const code = await exited;
  app = undefined;
  expect(code).toBe(0);
  expect(results.every((r) => [0, 200, 503].includes(r.status))).toBe(true);
  // Requests in flight when the signal came were still answered.
  expect(results.filter((r) => r.afterSignal && r.status === 200).length).toBeGreaterThan(0);
  const acknowledged = results.filter((r) => r.status === 200).map((r) => r.id!);
  await reader.waitFor(acknowledged.length, (l) => acknowledged.includes(l.envelope.id));
  await expect(fetch(`${url}/health`)).rejects.toThrow();
});
