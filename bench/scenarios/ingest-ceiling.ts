import { LoadFigures, LoadRequest, closedLoop } from '../support/closed-loop';
import { CpuMeter, CpuReport } from '../support/cpu-meter';
import { HistogramDelta, watchMetrics } from '../support/app-metrics';
import { App, JSON_HEADERS, expectRoute, metricsUrl, startBareFastify, startIngestApi } from '../support/pipeline-apps';
import { reportTemplate, sampleReportTemplate } from '../support/payloads';
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

/** Grafana's own small report (the shared sample, ~0.8 KB): where fixed per-request costs dominate. */
const SMALL_REPORT: LoadRequest = { ...REPORT, body: sampleReportTemplate() };

type Measured = { load: LoadFigures; cpu: CpuReport; internals: Record<string, Record<string, HistogramDelta>> };

/** Warm-up, then the measured run, with the same generator settings for every server. */
async function measure(ctx: ScenarioContext, label: string, app: App, request: LoadRequest): Promise<Measured> {
  const { connections, ceiling } = ctx.settings;
  await closedLoop({
    url: app.origin,
    requests: [request],
    connections,
    durationSec: ceiling.warmupSec,
    uniqueIds: true,
  });
  const metrics = await watchMetrics(app.env.METRICS_PORT ? { [label]: metricsUrl(app) } : {});
  const meter = new CpuMeter({ [label]: app.proc.pid }).start();
  const load = await closedLoop({
    url: app.origin,
    requests: [request],
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
    await expectRoute(app.origin, SMALL_REPORT, [200, 202]);
    const sampler = new RssSampler(label, app.proc.pid).start();
    const { warmupSec, durationSec } = ctx.settings.ceiling;
    ctx.log(`  ${label}: ${Buffer.byteLength(REPORT.body)} B report, warm-up ${warmupSec}s, measure ${durationSec}s`);
    const large = await measure(ctx, label, app, REPORT);
    ctx.log(
      `  ${label}: ${Buffer.byteLength(SMALL_REPORT.body)} B report, warm-up ${warmupSec}s, measure ${durationSec}s`,
    );
    const small = await measure(ctx, label, app, SMALL_REPORT);
    return { ...large, small, memory: sampler.stop() };
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
    const rSmall = ratio(ours.small.load.reqPerSec, bare.small.load.reqPerSec);
    const rSmallReference = reference ? ratio(ours.small.load.reqPerSec, reference.small.load.reqPerSec) : null;
    const apiRss = ours.memory.processes.find((p) => p.role === 'primary')?.peakRssMb ?? null;
    const memory: RssReport[] = [ours.memory, bare.memory, ...(reference ? [reference.memory] : [])];
    return {
      figures: {
        payloadBytes: Buffer.byteLength(REPORT.body),
        connections: ctx.settings.connections,
        bareFastify: bare.load,
        ...(reference ? { referenceReceiver: reference.load } : {}),
        ours: ours.load,
        smallReport: {
          payloadBytes: Buffer.byteLength(SMALL_REPORT.body),
          bareFastify: bare.small.load,
          ...(reference ? { referenceReceiver: reference.small.load } : {}),
          ours: ours.small.load,
        },
      },
      ratios: {
        oursToBareFastify: r,
        ...(reference ? { oursToReferenceReceiver: rReference } : {}),
        smallOursToBareFastify: rSmall,
        ...(reference ? { smallOursToReferenceReceiver: rSmallReference } : {}),
      },
      targets: [
        target('req/s ratio to bare Fastify', '>= 0.5', r, (v) => v >= 0.5),
        ...(reference
          ? [target('req/s ratio to grafana/usage-stats-handler', '>= 1.5', rReference, (v) => v >= 1.5)]
          : []),
        target('ingest-api peak RSS (MB)', '<= 200', apiRss, (v) => v <= 200),
      ],
      memory,
      cpu: {
        bareFastify: bare.cpu,
        ...(reference ? { referenceReceiver: reference.cpu } : {}),
        ours: ours.cpu,
        bareFastifySmall: bare.small.cpu,
        ...(reference ? { referenceReceiverSmall: reference.small.cpu } : {}),
        oursSmall: ours.small.cpu,
      },
      internals: { ours: ours.internals },
    };
  },
};
