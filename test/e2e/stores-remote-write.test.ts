import { waitFor } from '../support/apps';
import { metricSum } from '../support/pipeline-harness';
import { Peer, startPrometheus } from '../support/peers';
import { deadLetters, Pipeline, sendClientTraffic, startPipeline, Traffic, waitForCaughtUp } from '../support/store-e2e';

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
    pushedSamples: await total(peer, 'count_over_time(e2e_temperature[1h])') + await total(peer, 'count_over_time(e2e_jobs_total[1h])'),
  });
  const expected = () => ({ usageSeries: traffic.usageReports, usageSamples: traffic.usageReports, pushedSamples: traffic.pushes * traffic.samplesPerPush });

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
    expect(temperature).toMatchObject({ metric: { job: 'e2e', instance: expect.stringMatching(/^[0-9a-f]{32}$/), sensor: 's1' }, value: [expect.any(Number), '21'] });
    expect(await deadLetters(pipeline)).toBe(0);
  });

  it('a full replay (new group, empty dedupe window) sends identical samples: no new ones', async () => {
    await pipeline.restartWorker({ newGroup: true, freshDedupe: true });
    await waitForCaughtUp(pipeline, 'remote_write');
    const metrics = await (await fetch(pipeline.ports.metricsUrl)).text();
    expect(metricSum(metrics, 'usage_stats_worker_events_written_total', { store: 'remote_write' })).toBe(traffic.ids.length);
    expect(await counts()).toEqual(expected());
    // Session counters live per writer process (docs/stores.md): the new process counted the
    // replayed sessions under its own writer label, the old totals are unchanged.
    const perWriter = await query(peer, 'sum by (writer) (grafana_analytics_sessions_total)');
    expect(perWriter.map((r) => Number(r.value[1]))).toEqual([traffic.sessions, traffic.sessions]);
    await waitFor(async () => (await deadLetters(pipeline)) === 0, 1000, 200, 'no dead letters');
  });
});
