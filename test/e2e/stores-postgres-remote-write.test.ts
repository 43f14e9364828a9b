import { waitFor } from '../support/apps';
import { createTestDatabase, metricSum, readyBody, TestDatabase, waitForStored } from '../support/pipeline-harness';
import { Peer, startPrometheus } from '../support/peers';
import {
  deadLetters,
  groupLag,
  Pipeline,
  sendClientTraffic,
  startPipeline,
  waitForCaughtUp,
} from '../support/store-e2e';

async function usageSeries(peer: Peer): Promise<number> {
  const res = await fetch(
    `${peer.url}/api/v1/query?${new URLSearchParams({ query: 'count(grafana_usage_stats_dashboards_count)' })}`,
  );
  const body = (await res.json()) as { data: { result: Array<{ value: [number, string] }> } };
  return Number(body.data.result[0]?.value[1] ?? 0);
}

/**
 * STORAGE_TYPE=postgres,remote_write: two consumer groups on one topic. With the remote-write
 * receiver down, PostgreSQL keeps up while the remote-write group's lag grows; once the
 * receiver is back, that group catches up and nothing is lost or dead-lettered.
 */
describe('e2e: STORAGE_TYPE=postgres,remote_write with the receiver stopped', () => {
  let db: TestDatabase;
  let peer: Peer;
  let pipeline: Pipeline;
  const lag = (store: string) => groupLag(pipeline.kafka, `${pipeline.group}-${store}`, pipeline.topic);

  beforeAll(async () => {
    [db, peer] = await Promise.all([createTestDatabase(), startPrometheus()]);
    pipeline = await startPipeline(
      { STORAGE_TYPE: 'postgres,remote_write', REMOTE_WRITE_URL: `${peer.url}/api/v1/write` },
      db.name,
    );
  });
  afterAll(async () => {
    await pipeline?.stop();
    await peer?.stop();
    await db?.drop();
  });

  it('isolates the stores: PostgreSQL keeps up, remote write lags, then catches up without loss', async () => {
    const first = await sendClientTraffic(pipeline.apiUrl, { usageReports: 20, sessions: 0, pushes: 0 });
    await waitForStored(db.pool, 20, 60_000);
    await waitForCaughtUp(pipeline, 'remote_write');
    expect(await usageSeries(peer)).toBe(20);

    await peer.stop();
    const during = await sendClientTraffic(pipeline.apiUrl, { usageReports: 60, sessions: 0, pushes: 0 });
    await waitForStored(db.pool, 80, 60_000);
    await waitForCaughtUp(pipeline, 'postgres', 30_000);
    // Every message sent during the outage is still uncommitted for remote write.
    expect(await lag('remote_write')).toBe(during.messages);
    // /ready shows each store's own health check (refreshed periodically).
    const stores = await waitFor(
      async () => {
        const s = (await readyBody(pipeline.ports.readyUrl)).body.processes.flatMap((p) => p.stores);
        return s.find((x) => x.store === 'remote_write')?.storeOk === false ? s : undefined;
      },
      30_000,
      500,
      'remote_write unhealthy in /ready',
    );
    expect(stores.find((s) => s.store === 'postgres')?.storeOk).toBe(true);
    const retries = metricSum(
      await (await fetch(pipeline.ports.metricsUrl)).text(),
      'usage_stats_worker_batch_retries_total',
      { store: 'remote_write' },
    );
    expect(retries).toBeGreaterThan(0);

    await peer.start();
    await waitForCaughtUp(pipeline, 'remote_write', 120_000);
    await waitFor(async () => (await usageSeries(peer)) === 80, 30_000, 500, '80 usage series in Prometheus');
    expect(await usageSeries(peer)).toBe(first.usageReports + during.usageReports);
    expect((await waitForStored(db.pool, 80, 1000)).logicalEvents).toBe(80);
    expect(await deadLetters(pipeline)).toBe(0);
  });
});
