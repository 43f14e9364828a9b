import { monitorEventLoopDelay } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { Writer } from 'protobufjs';
import { TEST_API_KEY } from '../support/apps';
import { IngestUnderTest, deleteTopics, startIngestApi } from '../support/ingest-harness';

// A stream of bombs (bodies small on the wire that expand when decoded) against the running
// API while /health is polled: every bomb is refused with 413 after bounded work, and the
// event loop stays responsive. Measured with the client's /health latency and the process'
// event-loop delay histogram (the API runs in this process).
const BROKERS = 'localhost:9092';
const PROTOBUF = 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited';
const headers = { authorization: `Bearer ${TEST_API_KEY}`, 'content-encoding': 'gzip' };

/** The measured case: 4.9 M empty histogram buckets, 9.8 MB decoded, about 10 KB gzipped. */
function bucketBomb(): Buffer {
  const buckets = Buffer.alloc(4_900_000 * 2);
  for (let i = 0; i < buckets.length; i += 2) buckets[i] = 0x1a;
  const metric = new Writer()
    .uint32((7 << 3) | 2)
    .bytes(buckets)
    .finish();
  const family = new Writer()
    .uint32((1 << 3) | 2)
    .string('bomb')
    .uint32(3 << 3)
    .int32(4)
    .uint32((4 << 3) | 2)
    .bytes(metric)
    .finish();
  return gzipSync(new Writer().bytes(family).finish(), { level: 9 });
}

const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))];

let api: IngestUnderTest;
beforeAll(async () => {
  api = await startIngestApi({ RATE_LIMIT_RPS: '0' });
});
afterAll(async () => {
  await api?.close();
  await deleteTopics(BROKERS, [api.topic, `${api.topic}-dlq`]);
});

type Body = [string, Buffer, Record<string, string>];

/** Three senders loop over `bodies` (each up to ten a second) for `ms` while /health is polled every 20 ms. */
async function stream(bodies: Body[], ms: number) {
  const statuses: Record<string, number[]> = {};
  const health: number[] = [];
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const deadline = Date.now() + ms;
  const sender = async () => {
    for (let i = 0; Date.now() < deadline; i++) {
      const [name, body, extra] = bodies[i % bodies.length];
      const res = await fetch(`${api.url}/metrics/job/bomb`, {
        method: 'PUT',
        body,
        headers: { ...headers, ...extra },
      });
      await res.arrayBuffer();
      (statuses[name] ??= []).push(res.status);
      // Several bombs a second from each sender (the measured outage took a handful a minute).
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const poller = async () => {
    while (Date.now() < deadline) {
      const started = performance.now();
      await (await fetch(`${api.url}/health`)).arrayBuffer();
      health.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await Promise.all([sender(), sender(), sender(), poller()]);
  delay.disable();
  const p99 = percentile(health, 0.99);
  const report = {
    requests: Object.fromEntries(Object.entries(statuses).map(([k, v]) => [k, v.length])),
    healthP50: +percentile(health, 0.5).toFixed(1),
    healthP99: +p99.toFixed(1),
    healthMax: +Math.max(...health).toFixed(1),
    loopDelayP99: +(delay.percentile(99) / 1e6).toFixed(1),
    loopDelayMax: +(delay.max / 1e6).toFixed(1),
  };
  return { statuses, health, p99, report };
}

it('refuses a stream of bombs with 413 while /health stays fast', async () => {
  const bombs: Body[] = [
    ['protobuf buckets', bucketBomb(), { 'content-type': PROTOBUF }],
    ['text samples', gzipSync('a 1\n'.repeat(2_500_000), { level: 9 }), { 'content-type': 'text/plain' }],
    [
      'text labels',
      gzipSync(`a{${Array.from({ length: 300_000 }, (_, i) => `l${i}="v"`).join(',')}} 1\n`, { level: 9 }),
      {},
    ],
  ];
  expect(bombs[0][1].length).toBeLessThan(12_000);
  // Target: p99 under 100 ms; a loaded machine's own baseline p99 is allowed on top. Another
  // process can steal this 2-core machine's CPU for seconds, so a round may be measured again
  // (up to 3): a bomb that blocks the loop (5-6 s each before bounded decoding) fails every round.
  const rounds: Array<{ baseline: number; bombed: number }> = [];
  for (let round = 0; round < 3; round++) {
    // The same load of small valid pushes first: on a shared machine the baseline is not zero.
    const baseline = await stream([['small', gzipSync('a 1\n'), {}]], 6_000);
    const bombed = await stream(bombs, 10_000);
    process.stdout.write(`baseline: ${JSON.stringify(baseline.report)}\nbombs: ${JSON.stringify(bombed.report)}\n`);
    expect(new Set(Object.values(baseline.statuses).flat())).toEqual(new Set([202]));
    expect(new Set(Object.values(bombed.statuses).flat())).toEqual(new Set([413]));
    expect(bombed.health.length).toBeGreaterThan(50);
    rounds.push({ baseline: baseline.p99, bombed: bombed.p99 });
    if (bombed.p99 < 100 + baseline.p99) break;
  }
  const best = rounds.reduce((a, b) => (b.bombed - b.baseline < a.bombed - a.baseline ? b : a));
  expect(best.bombed).toBeLessThan(100 + best.baseline);
}, 120_000);

it('refuses a JSON body of millions of tiny values with 413 before parsing it, on every JSON route', async () => {
  const values = gzipSync(`{"version":"11_0_0","metrics":{"a":[${'0,'.repeat(4_000_000)}0]}}`, { level: 9 });
  for (const path of ['/grafana-usage-report', '/api/v1/ingest', '/write']) {
    const res = await fetch(`${api.url}${path}`, {
      method: 'POST',
      body: values,
      headers: { ...headers, 'content-type': 'application/json' },
    });
    expect([path, res.status, await res.json()]).toEqual([
      path,
      413,
      { message: 'JSON holds more than 200000 keys and values' },
    ]);
  }
});
