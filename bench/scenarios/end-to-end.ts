import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { pseudonym } from '@app/anonymizer';
import { copyCeiling } from '../peers/copy-writer';
import { AckToRowTracker } from '../support/ack-to-row';
import { CpuMeter, cpuMsPerEvent } from '../support/cpu-meter';
import { BENCH_ANONYMIZATION_KEY } from '../support/bench-context';
import { LoadRequest, closedLoop } from '../support/closed-loop';
import { openLoop } from '../support/open-loop';
import { ID_PLACEHOLDER, batchTemplate, reportTemplate } from '../support/payloads';
import { watchMetrics } from '../support/app-metrics';
import { App, JSON_HEADERS, expectRoute, metricsUrl, startIngestApi, startWorker } from '../support/pipeline-apps';
import { getFreePort, withProcesses } from '../support/processes';
import { RssSampler } from '../support/rss-sampler';
import { countRows, watchRows } from '../support/row-watch';
import { Scenario, ScenarioContext, target } from '../support/scenario';
import { ratio, round } from '../support/stats';

const TABLE = 'usage_reports';
const TEMPLATE = reportTemplate();
const REPORT: LoadRequest = { method: 'POST', path: '/grafana-usage-report', body: TEMPLATE, headers: JSON_HEADERS };
const singleRoute = (ctx: ScenarioContext): Route => ({
  request: REPORT,
  itemsPerRequest: 1,
  connections: ctx.settings.connections,
});
const batchRoute = (ctx: ScenarioContext): Route => {
  const { batchSize, batchConnections } = ctx.settings.endToEnd;
  const request: LoadRequest = {
    method: 'POST',
    path: '/api/v1/ingest',
    body: batchTemplate(batchSize),
    headers: JSON_HEADERS,
  };
  return { request, itemsPerRequest: batchSize, connections: batchConnections };
};

interface Route {
  request: LoadRequest;
  itemsPerRequest: number;
  connections: number;
}

/** N reports as fast as the API takes them (closed loop), timed until the last row is in PostgreSQL. */
async function throughput(
  ctx: ScenarioContext,
  api: App,
  db: string,
  reports: number,
  route: Route,
  roots: Record<string, number>,
  metricUrls: Record<string, string>,
) {
  const before = await ctx.bench.withPg(db, (c) => countRows(c, TABLE));
  const metrics = await watchMetrics(metricUrls);
  const meter = new CpuMeter(roots).start();
  const startedAt = Date.now();
  const amount = Math.ceil(reports / route.itemsPerRequest);
  const load = await closedLoop({
    url: api.origin,
    requests: [route.request],
    connections: route.connections,
    amount,
    uniqueIds: true,
  });
  const lastAckAt = Date.now();
  const accepted = (load.statuses['2xx'] ?? 0) * route.itemsPerRequest;
  const progress = await ctx.bench.withPg(db, (c) =>
    watchRows(c, TABLE, before + accepted, Math.max(60_000, reports * 3), 100, before),
  );
  const seconds = progress.doneAt ? (progress.doneAt - startedAt) / 1000 : null;
  const cpu = meter.stop();
  return {
    startedAt,
    cpu,
    internals: await metrics.stop(),
    figures: {
      route: route.request.path,
      itemsPerRequest: route.itemsPerRequest,
      connections: route.connections,
      accepted,
      load,
      rowsStored: progress.rows - before,
      seconds: seconds === null ? null : round(seconds, 2),
      eventsPerSec: seconds ? Math.round(accepted / seconds) : null,
      /** How long the last rows trailed the last acknowledgement. */
      drainAfterLastAckSec: progress.doneAt ? round((progress.doneAt - lastAckAt) / 1000, 2) : null,
      /** CPU-ms per stored event by process group: on 2 cores, 3,000 events/s leaves 0.67 ms for all of them. */
      cpuMsPerEvent: cpuMsPerEvent(cpu, progress.rows - before),
    },
  };
}

/** A steady open-loop rate; each report's ack time against the poll that first saw its row. */
async function steady(
  ctx: ScenarioContext,
  api: App,
  db: string,
  roots: Record<string, number>,
  metricUrls: Record<string, string>,
) {
  const { steadyRate, steadySec } = ctx.settings.endToEnd;
  return ctx.bench.withPg(db, async (client) => {
    const tracker = new AckToRowTracker(client, TABLE, 100);
    tracker.start();
    const metrics = await watchMetrics(metricUrls);
    const meter = new CpuMeter(roots).start();
    const ids: string[] = [];
    const load = await openLoop({
      origin: api.origin,
      ratePerSec: steadyRate,
      durationSec: steadySec,
      requestFor: (i) => {
        const id = randomUUID();
        ids[i] = id;
        tracker.sent(id, [id, pseudonym(BENCH_ANONYMIZATION_KEY, id)], Date.now());
        return { ...REPORT, body: TEMPLATE.replace(ID_PLACEHOLDER, id) };
      },
      onAnswer: (i, status, at) =>
        status >= 200 && status < 300 ? tracker.acked(ids[i], at) : tracker.refused(ids[i]),
    });
    const cpu = meter.stop();
    const ackToRow = await tracker.finish(60_000);
    return { load, ackToRow, cpu, internals: await metrics.stop() };
  });
}

async function appEnvs(ctx: ScenarioContext, db: string) {
  const api = await ctx.bench.appEnv({ POSTGRES_DB: db });
  const worker = {
    ...api,
    WORKERS: String(cpus().length),
    PORT: String(await getFreePort()),
    HEALTH_CHECK_PORT: String(await getFreePort()),
    METRICS_PORT: String(await getFreePort()),
  };
  return { api, worker };
}

export const endToEnd: Scenario = {
  name: 'end-to-end',
  title: 'Reports through the API into PostgreSQL (anonymization and dedupe on), beside a plain COPY of the same rows',
  async run(ctx) {
    const { reports, warmupReports, steadyRate } = ctx.settings.endToEnd;
    const db = await ctx.bench.createDatabase('e2e');
    const envs = await appEnvs(ctx, db);
    return withProcesses(async (track) => {
      const samplers: RssSampler[] = [];
      const sample = (label: string) => (proc: Parameters<typeof track>[0]) => {
        track(proc);
        samplers.push(new RssSampler(label, proc.pid).start());
      };
      const worker = await startWorker(envs.worker, sample(`worker (WORKERS=${envs.worker.WORKERS})`));
      const api = await startIngestApi(envs.api, sample('ingest-api'));
      const roots = { 'ingest-api': api.proc.pid, worker: worker.proc.pid };
      const urls = { 'ingest-api': metricsUrl(api), worker: metricsUrl(worker) };
      await expectRoute(api.origin, REPORT, [200, 202]);
      ctx.log(`  warm-up: ${warmupReports} reports on each route`);
      await throughput(ctx, api, db, warmupReports, singleRoute(ctx), roots, urls);
      await expectRoute(api.origin, batchRoute(ctx).request, [200, 202]);
      await throughput(ctx, api, db, warmupReports, batchRoute(ctx), roots, urls);
      ctx.log(`  throughput: ${reports} reports one per request, timed until the last row is visible`);
      const single = await throughput(ctx, api, db, reports, singleRoute(ctx), roots, urls);
      ctx.log(
        `  throughput: ${reports} reports in batches of ${ctx.settings.endToEnd.batchSize} (POST /api/v1/ingest)`,
      );
      const batched = await throughput(ctx, api, db, reports, batchRoute(ctx), roots, urls);
      ctx.log(`  raw ceiling: the same rows by one plain COPY`);
      const copy = await ctx.bench.withPg(db, (c) => copyCeiling(c, TABLE, single.startedAt - 1000));
      ctx.log(`  ack-to-row latency at ${steadyRate} reports/s`);
      const lat = await steady(ctx, api, db, roots, urls);
      const memory = samplers.map((s) => s.stop());
      const eps = single.figures.eventsPerSec ?? null;
      const epsBatched = batched.figures.eventsPerSec ?? null;
      const r = ratio(eps ?? undefined, copy.rowsPerSec);
      const rBatched = ratio(epsBatched ?? undefined, copy.rowsPerSec);
      const apiRss = memory.find((m) => m.label === 'ingest-api')?.processes[0]?.peakRssMb ?? null;
      const workerRss = Math.max(
        ...memory.filter((m) => m.label !== 'ingest-api').flatMap((m) => m.processes.map((p) => p.peakRssMb)),
      );
      return {
        figures: {
          workers: Number(envs.worker.WORKERS),
          singleReports: single.figures,
          batched: batched.figures,
          copyCeiling: copy,
          steady: { load: lat.load, ackToRow: lat.ackToRow },
        },
        ratios: { singleToCopy: r, batchedToCopy: rBatched },
        targets: [
          target('end-to-end rate / plain COPY rate, one report per request', '>= 0.35', r, (v) => v >= 0.35),
          target('end-to-end rate / plain COPY rate, batches', '>= 0.5', rBatched, (v) => v >= 0.5),
          target(
            `ack-to-row p99 at ${steadyRate}/s (ms)`,
            '<= 1000',
            lat.ackToRow.seen ? lat.ackToRow.latencyMs.p99 : null,
            (v) => v <= 1000,
          ),
          target('acknowledged reports missing from PostgreSQL', '== 0', lat.ackToRow.missing, (v) => v === 0),
          target('ingest-api peak RSS (MB)', '<= 200', apiRss, (v) => v <= 200),
          target(
            'largest worker process peak RSS (MB)',
            '<= 256',
            Number.isFinite(workerRss) ? workerRss : null,
            (v) => v <= 256,
          ),
        ],
        memory,
        cpu: { singleReports: single.cpu, batched: batched.cpu, steady: lat.cpu },
        internals: { singleReports: single.internals, batched: batched.internals, steady: lat.internals },
      };
    });
  },
};
