import { BigQueryEmulator } from '../support/bigquery-emulator';
import { randomName } from '../support/apps';
import { metricSum } from '../support/pipeline-harness';
import {
  deadLetters,
  Pipeline,
  sendClientTraffic,
  startPipeline,
  Traffic,
  waitForCaughtUp,
} from '../support/store-e2e';

/**
 * Client traffic -> ingest API -> Kafka -> worker (STORAGE_TYPE=bigquery, official client) ->
 * the local BigQuery REST emulator, asserted from the rows and requests it received.
 */
describe('e2e: STORAGE_TYPE=bigquery -> BigQuery REST emulator', () => {
  const dataset = randomName('usage_e2e');
  let emulator: BigQueryEmulator;
  let pipeline: Pipeline;
  let traffic: Traffic;
  const rows = () => emulator.rows(dataset, 'events');

  beforeAll(async () => {
    emulator = await new BigQueryEmulator().start();
    pipeline = await startPipeline({
      STORAGE_TYPE: 'bigquery',
      BIGQUERY_PROJECT_ID: 'e2e-project',
      BIGQUERY_DATASET: dataset,
      BIGQUERY_API_ENDPOINT: emulator.url,
      BIGQUERY_CREDENTIALS_FILE: '/nonexistent/key.json',
    });
    traffic = await sendClientTraffic(pipeline.apiUrl, { usageReports: 12, sessions: 6, pushes: 5 });
  });
  afterAll(async () => {
    await pipeline?.stop();
    await emulator?.stop();
  });

  it('creates the table and streams one row per event with insertId = the event id', async () => {
    await waitForCaughtUp(pipeline, 'bigquery');
    expect(emulator.table(dataset, 'events')?.timePartitioning).toEqual({ type: 'DAY', field: 'received_at' });
    expect(
      rows()
        .map((r) => r.insertId)
        .sort(),
    ).toEqual([...traffic.ids].sort());
    expect(
      rows()
        .map((r) => r.json.event_id)
        .sort(),
    ).toEqual([...traffic.ids].sort());
    const kinds = rows().reduce<Record<string, number>>(
      (m, r) => ({ ...m, [String(r.json.kind)]: (m[String(r.json.kind)] ?? 0) + 1 }),
      {},
    );
    expect(kinds).toEqual({
      usage_report: traffic.usageReports,
      analytics: traffic.panelEvents,
      metrics: traffic.pushes,
    });
    expect(await deadLetters(pipeline)).toBe(0);
  });

  it('a full replay within the dedupe window adds no rows', async () => {
    await pipeline.restartWorker({ newGroup: true, freshDedupe: true });
    await waitForCaughtUp(pipeline, 'bigquery');
    const metrics = await (await fetch(pipeline.ports.metricsUrl)).text();
    expect(metricSum(metrics, 'usage_stats_worker_events_written_total', { store: 'bigquery' })).toBe(
      traffic.ids.length,
    );
    const insertIds = emulator.requests
      .filter((r) => r.path.endsWith('/insertAll'))
      .flatMap((r) => (r.body as { rows: Array<{ insertId: string }> }).rows.map((x) => x.insertId));
    expect(insertIds.length).toBe(2 * traffic.ids.length);
    expect(rows()).toHaveLength(traffic.ids.length);
  });
});
