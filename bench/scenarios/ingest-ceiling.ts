import { LoadFigures, LoadRequest, closedLoop } from '../support/closed-loop';
import { CpuMeter, CpuReport } from '../support/cpu-meter';
import { HistogramDelta, watchMetrics } from '../support/app-metrics';
import { App, JSON_HEADERS, expectRoute, metricsUrl, startBareFastify, startIngestApi } from '../support/pipeline-apps';
import { reportTemplate } from '../support/payloads';
import { startReferenceReceiver } from '../peers/reference-receiver';
import { withProcesses } from '../support/processes';
import { RssReport, RssSampler } from '../support/rss-sampler';
import { Scenario, ScenarioContext, target } from '../support/scenario';
import { ratio } from '../support/stats';

const REPORT: LoadRequest = {
  method: 'POST',
  path: '/grafana-usage-report',
  body: reportTemplate(),
  headers: JSON_HEADERS,
};

/** Warm-up, then the measured run, with the same generator settings for every server. */
async function measure(
  ctx: ScenarioContext,
  label: string,
  app: App,
): Promise<{ load: LoadFigures; cpu: CpuReport; internals: Record<string, Record<string, HistogramDelta>> }> {
  const { connections, ceiling } = ctx.settings;
  await closedLoop({
    url: app.origin,
    requests: [REPORT],
    connections,
    durationSec: ceiling.warmupSec,
    uniqueIds: true,
  });
  const metrics = await watchMetrics(app.env.METRICS_PORT ? { [label]: metricsUrl(app) } : {});
  const meter = new CpuMeter({ [label]: app.proc.pid }).start();
  const load = await closedLoop({
    url: app.origin,
    requests: [REPORT],
    connections,
    durationSec: ceiling.durationSec,
    uniqueIds: true,
  });
  return { load, cpu: meter.stop(), internals: await metrics.stop() };
}

async function measureServer(ctx: ScenarioContext, label: string, start: () => Promise<App>) {
  return withProcesses(async (track) => {
    const app = await start();
    track(app.proc);
    await expectRoute(app.origin, REPORT, [200, 202]);
    const sampler = new RssSampler(label, app.proc.pid).start();
    ctx.log(`  ${label}: warm-up ${ctx.settings.ceiling.warmupSec}s, measure ${ctx.settings.ceiling.durationSec}s`);
    const { load, cpu, internals } = await measure(ctx, label, app);
    return { load, cpu, internals, memory: sampler.stop() };
  });
}

export const ingestCeiling: Scenario = {
  name: 'ingest-ceiling',
  title:
    'Ingest ceiling: bare Fastify (202, no work) and grafana/usage-stats-handler (with --reference-receiver) ' +
    'vs POST /grafana-usage-report (auth, validation, Kafka acks=all)',
  async run(ctx) {
    const bare = await measureServer(ctx, 'bare-fastify', startBareFastify);
    const receiverJs = ctx.referenceReceiver;
    const reference = receiverJs
      ? await measureServer(ctx, 'reference-receiver', () => startReferenceReceiver(receiverJs))
      : undefined;
    const env = await ctx.bench.appEnv();
    const ours = await measureServer(ctx, 'ingest-api', () => startIngestApi(env));
    const r = ratio(ours.load.reqPerSec, bare.load.reqPerSec);
    const rReference = reference ? ratio(ours.load.reqPerSec, reference.load.reqPerSec) : null;
    const apiRss = ours.memory.processes.find((p) => p.role === 'primary')?.peakRssMb ?? null;
    const memory: RssReport[] = [ours.memory, bare.memory, ...(reference ? [reference.memory] : [])];
    return {
      figures: {
        payloadBytes: Buffer.byteLength(REPORT.body),
        connections: ctx.settings.connections,
        bareFastify: bare.load,
        ...(reference ? { referenceReceiver: reference.load } : {}),
        ours: ours.load,
      },
      ratios: { oursToBareFastify: r, ...(reference ? { oursToReferenceReceiver: rReference } : {}) },
      targets: [
        target('req/s ratio to bare Fastify', '>= 0.5', r, (v) => v >= 0.5),
        ...(reference
          ? [target('req/s ratio to grafana/usage-stats-handler', '>= 1.5', rReference, (v) => v >= 1.5)]
          : []),
        target('ingest-api peak RSS (MB)', '<= 200', apiRss, (v) => v <= 200),
      ],
      memory,
      cpu: { bareFastify: bare.cpu, ...(reference ? { referenceReceiver: reference.cpu } : {}), ours: ours.cpu },
      internals: { ours: ours.internals },
    };
  },
};
