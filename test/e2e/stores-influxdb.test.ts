import { waitFor } from '../support/apps';
import { metricSum } from '../support/pipeline-harness';
import { influxQuery, Peer, startInfluxDb } from '../support/peers';
import {
  deadLetters,
  Pipeline,
  sendClientTraffic,
  startPipeline,
  Traffic,
  waitForCaughtUp,
} from '../support/store-e2e';

/**
 * Client traffic -> ingest API -> Kafka -> worker (STORAGE_TYPE=influxdb) -> Debian's influxd
 * 1.x, queried back with InfluxQL. A full replay (new consumer group, empty dedupe window)
 * rewrites the same points: counts stay exact.
 */
describe('e2e: STORAGE_TYPE=influxdb -> influxd 1.x', () => {
  const db = 'usage_e2e';
  let peer: Peer;
  let pipeline: Pipeline;
  let traffic: Traffic;

  const count = async (q: string): Promise<number> => {
    const series = (await influxQuery(peer, q, db)).results?.[0]?.series ?? [];
    return series.reduce((n, s) => n + s.values.reduce((m, v) => m + Number(v[1]), 0), 0);
  };
  const counts = async () => ({
    usage: await count('SELECT count(numeric_metrics) FROM grafana_usage_report'),
    panel: await count('SELECT count(events) FROM grafana_analytics'),
    gauges: await count('SELECT count(gauge) FROM e2e_temperature'),
    counters: await count('SELECT count(counter) FROM e2e_jobs_total'),
  });

  beforeAll(async () => {
    peer = await startInfluxDb();
    await influxQuery(peer, `CREATE DATABASE ${db}`);
    pipeline = await startPipeline({
      STORAGE_TYPE: 'influxdb',
      INFLUXDB_URL: peer.url,
      INFLUXDB_API_VERSION: '1',
      INFLUXDB_DATABASE: db,
    });
    traffic = await sendClientTraffic(pipeline.apiUrl, { usageReports: 12, sessions: 6, pushes: 5 });
  });
  afterAll(async () => {
    await pipeline?.stop();
    await peer?.stop();
  });

  const expected = () => ({
    usage: traffic.usageReports,
    panel: traffic.panelEvents,
    gauges: traffic.pushes,
    counters: traffic.pushes,
  });

  it('stores every event once, though each was sent twice', async () => {
    await waitForCaughtUp(pipeline, 'influxdb');
    await waitFor(
      async () => JSON.stringify(await counts()) === JSON.stringify(expected()),
      30_000,
      500,
      'points in InfluxDB',
    );
    expect(await counts()).toEqual(expected());
    const [usage] = (await influxQuery(peer, 'SELECT * FROM grafana_usage_report LIMIT 1', db)).results![0].series!;
    expect(usage.columns).toEqual(
      expect.arrayContaining(['version', 'os', 'arch', 'edition', 'packaging', 'instance', 'stats.dashboards.count']),
    );
    expect(await deadLetters(pipeline)).toBe(0);
  });

  it('a full replay through a new consumer group rewrites the same points', async () => {
    await pipeline.restartWorker({ newGroup: true, freshDedupe: true });
    await waitForCaughtUp(pipeline, 'influxdb');
    // The store really got every event again (nothing stopped them before it).
    const metrics = await (await fetch(pipeline.ports.metricsUrl)).text();
    expect(metricSum(metrics, 'usage_stats_worker_events_written_total', { store: 'influxdb' })).toBe(
      traffic.ids.length,
    );
    expect(await counts()).toEqual(expected());
  });
});
