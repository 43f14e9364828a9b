import { randomUUID } from 'node:crypto';
import type { LoadRequest } from '../support/closed-loop';
import { CpuMeter } from '../support/cpu-meter';
import { openLoop } from '../support/open-loop';
import { ID_PLACEHOLDER, reportTemplate } from '../support/payloads';
import { GC_MAJOR, watchMetrics } from '../support/app-metrics';
import { JSON_HEADERS, expectRoute, metricsUrl, startIngestApi } from '../support/pipeline-apps';
import { withProcesses } from '../support/processes';
import { RssSampler } from '../support/rss-sampler';
import { Scenario, target } from '../support/scenario';

const TEMPLATE = reportTemplate();
const request = (): LoadRequest => ({
  method: 'POST',
  path: '/grafana-usage-report',
  body: TEMPLATE.replace(ID_PLACEHOLDER, randomUUID()),
  headers: JSON_HEADERS,
});

export const latencyFixedLoad: Scenario = {
  name: 'latency-fixed-load',
  title: 'Ack latency of POST /grafana-usage-report at a constant request rate (open loop)',
  async run(ctx) {
    const { ratePerSec, warmupSec, durationSec } = ctx.settings.fixedLoad;
    const env = await ctx.bench.appEnv();
    return withProcesses(async (track) => {
      const api = await startIngestApi(env);
      track(api.proc);
      await expectRoute(api.origin, request(), [200, 202]);
      const sampler = new RssSampler('ingest-api', api.proc.pid).start();
      ctx.log(`  warm-up ${warmupSec}s, then ${ratePerSec} req/s for ${durationSec}s`);
      await openLoop({ origin: api.origin, ratePerSec, durationSec: warmupSec, requestFor: request });
      const metrics = await watchMetrics({ 'ingest-api': metricsUrl(api) });
      const meter = new CpuMeter({ 'ingest-api': api.proc.pid }).start();
      const load = await openLoop({ origin: api.origin, ratePerSec, durationSec, requestFor: request });
      const cpu = meter.stop();
      const internals = await metrics.stop();
      const memory = sampler.stop();
      const failures = load.errors + load.non2xx;
      const apiHistograms = internals['ingest-api'];
      return {
        figures: {
          payloadBytes: Buffer.byteLength(TEMPLATE),
          load,
          // Full collections pause the API's event loop (docs/operations.md, "Memory"); null without its metrics.
          apiFullCollections: apiHistograms ? (apiHistograms[GC_MAJOR]?.count ?? 0) : null,
        },
        ratios: { achievedToTargetRate: Math.round((load.achievedRate / ratePerSec) * 1000) / 1000 },
        targets: [
          target(`p99 ack latency at ${ratePerSec} req/s (ms)`, '<= 25', load.latencyMs.p99, (v) => v <= 25),
          target('errors and non-2xx answers', '== 0', failures, (v) => v === 0),
          target('ingest-api peak RSS (MB)', '<= 200', memory.processes[0]?.peakRssMb ?? null, (v) => v <= 200),
        ],
        memory: [memory],
        cpu: { fixedLoad: cpu },
        internals: { fixedLoad: internals },
      };
    });
  },
};
