import { DeadLetterSeal, openLetter } from '@app/pipeline';
import { RunningApp, randomName, startApp, TEST_DLQ_ENCRYPTION_KEY, waitFor } from '../support/apps';
import {
  deleteTopics,
  envelopeOf,
  generateEvents,
  kafkaClient,
  metricSum,
  produce,
  readTopic,
  workerEnv,
  workerPorts,
  WorkerPorts,
} from '../support/pipeline-harness';
import { Peer, startPrometheus } from '../support/peers';
import {
  deadLetters,
  Pipeline,
  sendClientTraffic,
  startPipeline,
  Traffic,
  waitForCaughtUp,
} from '../support/store-e2e';

type Vector = Array<{ metric: Record<string, string>; value: [number, string] }>;

async function query(peer: Peer, q: string): Promise<Vector> {
  const res = await fetch(`${peer.url}/api/v1/query?${new URLSearchParams({ query: q })}`);
  const body = (await res.json()) as { status: string; data: { result: Vector } };
  if (body.status !== 'success') throw new Error(`${q}: ${JSON.stringify(body)}`);
  return body.data.result;
}
const total = async (peer: Peer, q: string) => (await query(peer, q)).reduce((n, r) => n + Number(r.value[1]), 0);

/**
 * Client traffic -> ingest API -> Kafka -> worker (STORAGE_TYPE=remote_write) -> Prometheus
 * with its remote-write receiver, queried back with PromQL.
 */
describe('e2e: STORAGE_TYPE=remote_write -> Prometheus', () => {
  let peer: Peer;
  let pipeline: Pipeline;
  let traffic: Traffic;

  const counts = async () => ({
    usageSeries: (await query(peer, 'grafana_usage_stats_dashboards_count')).length,
    usageSamples: await total(peer, 'count_over_time(grafana_usage_stats_dashboards_count[1h])'),
    pushedSamples:
      (await total(peer, 'count_over_time(e2e_temperature[1h])')) +
      (await total(peer, 'count_over_time(e2e_jobs_total[1h])')),
  });
  const expected = () => ({
    usageSeries: traffic.usageReports,
    usageSamples: traffic.usageReports,
    pushedSamples: traffic.pushes * traffic.samplesPerPush,
  });

  beforeAll(async () => {
    peer = await startPrometheus();
    pipeline = await startPipeline({ STORAGE_TYPE: 'remote_write', REMOTE_WRITE_URL: `${peer.url}/api/v1/write` });
    traffic = await sendClientTraffic(pipeline.apiUrl, { usageReports: 12, sessions: 6, pushes: 5 });
  });
  afterAll(async () => {
    await pipeline?.stop();
    await peer?.stop();
  });

  it('writes every gauge and pushed sample once and counts each session once, though each was sent twice', async () => {
    await waitForCaughtUp(pipeline, 'remote_write');
    expect(await counts()).toEqual(expected());
    expect(await total(peer, 'grafana_analytics_sessions_total')).toBe(traffic.sessions);
    expect(await total(peer, 'grafana_analytics_sessions_duration_seconds_total')).toBe(30 * traffic.sessions);
    const [temperature] = await query(peer, 'e2e_temperature{sensor="s1"}');
    // The grouping label `instance` holds a host name, which the anonymizer pseudonymized.
    expect(temperature).toMatchObject({
      metric: { job: 'e2e', instance: expect.stringMatching(/^[0-9a-f]{32}$/), sensor: 's1' },
      value: [expect.any(Number), '21'],
    });
    expect(await deadLetters(pipeline)).toBe(0);
  });

  it('a full replay (new group, empty dedupe window) sends identical samples: no new ones', async () => {
    await pipeline.restartWorker({ newGroup: true, freshDedupe: true });
    await waitForCaughtUp(pipeline, 'remote_write');
    const metrics = await (await fetch(pipeline.ports.metricsUrl)).text();
    expect(metricSum(metrics, 'usage_stats_worker_events_written_total', { store: 'remote_write' })).toBe(
      traffic.ids.length,
    );
    expect(await counts()).toEqual(expected());
    // Session counters live per writer process (docs/stores.md): the new process counted the
    // replayed sessions under its own writer label, the old totals are unchanged.
    const perWriter = await query(peer, 'sum by (writer) (grafana_analytics_sessions_total)');
    expect(perWriter.map((r) => Number(r.value[1]))).toEqual([traffic.sessions, traffic.sessions]);
    await waitFor(async () => (await deadLetters(pipeline)) === 0, 1000, 200, 'no dead letters');
  });
});

/**
 * Events already in Kafka whose samples Prometheus refuses (too old: 400 "out of bounds"),
 * produced straight to the topic next to healthy ones.
 */
describe('e2e: remote_write -> Prometheus answering 400 for part of a batch', () => {
  const kafka = kafkaClient();
  const topic = randomName('st-rw400');
  let peer: Peer;
  let worker: RunningApp;
  let ports: WorkerPorts;
  const pushes = (n: number, seed: string) =>
    generateEvents(n * 3, seed)
      .events.filter((e) => e.kind === 'metrics')
      .slice(0, n);
  const samplesOf = async (job: string) => total(peer, `count_over_time(up{job="${job}"}[3h])`);

  beforeAll(async () => {
    [peer, ports] = await Promise.all([startPrometheus(), workerPorts()]);
    worker = await startApp(
      'worker',
      workerEnv(
        { topic, database: 'usage_stats', ports },
        {
          STORAGE_TYPE: 'remote_write',
          REMOTE_WRITE_URL: `${peer.url}/api/v1/write`,
          KAFKA_TOPIC_PARTITIONS: '1',
        },
      ),
      ports.readyUrl,
      60_000,
    );
  });
  afterAll(async () => {
    await worker?.stop();
    await peer?.stop();
    await deleteTopics(kafka, [topic, `${topic}-dlq`]);
  });

  it("writes the rest, dead-letters the refused events with Prometheus' answer, and the partition moves on", async () => {
    const now = Date.now();
    const [warm] = pushes(1, 'warm');
    warm.payload.job = 'warm';
    await produce(kafka, topic, [envelopeOf(warm, now)]);
    await waitFor(async () => (await samplesOf('warm')) === 2, 30_000, 200, 'the first push in Prometheus');

    // 6 pushes of one batch: 2 stamped 2 h ago (outside Prometheus' head), 4 fresh.
    const batch = pushes(6, 'mixed');
    batch.forEach((e, i) => (e.payload.job = i % 3 === 1 ? 'late' : 'fresh'));
    const envelopes = batch.map((e, i) => envelopeOf(e, i % 3 === 1 ? now - 2 * 3_600_000 : now + i));
    const [after] = pushes(1, 'after');
    after.payload.job = 'after';
    const sentAt = Date.now();
    await produce(kafka, topic, [...envelopes, envelopeOf(after, now + 100)]);
    await waitFor(async () => (await samplesOf('after')) === 2, 15_000, 100, 'the push sent after the refused batch');
    const took = Date.now() - sentAt;
    console.log(`push after a batch with refused samples written ${took} ms after the batch was sent`);
    expect(took).toBeLessThan(15_000);
    expect(await samplesOf('fresh')).toBe(8);
    expect(await samplesOf('late')).toBe(0);

    const letters = await readTopic(kafka, `${topic}-dlq`, 2, 30_000);
    const late = envelopes
      .filter((_, i) => i % 3 === 1)
      .map((e) => e.id)
      .sort();
    expect(letters.map((l) => l.headers['dlq-event-id']).sort()).toEqual(late);
    for (const l of letters) {
      expect(l.headers).toMatchObject({ 'dlq-reason': 'store_rejected', 'dlq-stage': 'write' });
      // The receiver's answer may quote the payload, so it travels sealed (docs/privacy.md).
      expect(l.headers['dlq-detail']).toBeUndefined();
      const opened = openLetter({ headers: l.rawHeaders }, new DeadLetterSeal([TEST_DLQ_ENCRYPTION_KEY]))!;
      expect(opened.detail).toMatch(
        /^remote write receiver at 127\.0\.0\.1:\d+ refused the series \(HTTP 400\): .*out of bounds/,
      );
    }
    const metrics = await (await fetch(ports.metricsUrl)).text();
    expect(
      metricSum(metrics, 'usage_stats_worker_events_dead_lettered_total', {
        store: 'remote_write',
        reason: 'store_rejected',
      }),
    ).toBe(2);
    expect(metricSum(metrics, 'usage_stats_worker_batch_retries_total', { store: 'remote_write' })).toBe(0);
  });
});
