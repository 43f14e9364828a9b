import { findPushgateway, pushgatewayVersion, startPushgateway } from '../peers/pushgateway';
import { LoadFigures, LoadRequest, closedLoop } from '../support/closed-loop';
import { CpuMeter, CpuReport } from '../support/cpu-meter';
import { pushBody, seriesIn } from '../support/payloads';
import { App, AUTH_HEADERS, expectRoute, startIngestApi } from '../support/pipeline-apps';
import { withProcesses } from '../support/processes';
import { RssReport, RssSampler } from '../support/rss-sampler';
import { Scenario, ScenarioContext, SkipError, target } from '../support/scenario';
import { ratio } from '../support/stats';

/** The same pushes for both servers: one body, PUT to `groups` instances in turn (every connection cycles them). */
function pushes(series: number, groups: number): LoadRequest[] {
  const body = pushBody(series);
  const headers = { ...AUTH_HEADERS, 'content-type': 'text/plain; version=0.0.4' };
  return Array.from({ length: groups }, (_, i) => ({
    method: 'PUT' as const,
    path: `/metrics/job/bench/instance/host-${i}`,
    body,
    headers,
  }));
}

type Measured = { load: LoadFigures; cpu: CpuReport };

/** One server start; each load (a number of groups) gets its own warm-up and measured run. */
async function measure(
  ctx: ScenarioContext,
  label: string,
  start: () => Promise<App>,
  loads: LoadRequest[][],
): Promise<{ runs: Measured[]; memory: RssReport }> {
  const { connections, push } = ctx.settings;
  return withProcesses(async (track) => {
    const app = await start();
    track(app.proc);
    await expectRoute(app.origin, loads[0][0], [200, 202]);
    const sampler = new RssSampler(label, app.proc.pid).start();
    const runs: Measured[] = [];
    for (const requests of loads) {
      ctx.log(`  ${label}, ${requests.length} group(s): warm-up ${push.warmupSec}s, measure ${push.durationSec}s`);
      await closedLoop({ url: app.origin, requests, connections, durationSec: push.warmupSec });
      const meter = new CpuMeter({ [label]: app.proc.pid }).start();
      const load = await closedLoop({ url: app.origin, requests, connections, durationSec: push.durationSec });
      runs.push({ load, cpu: meter.stop() });
    }
    return { runs, memory: sampler.stop() };
  });
}

export const pushVsPushgateway: Scenario = {
  name: 'push-vs-pushgateway',
  title: "Prometheus text push: Debian's prometheus-pushgateway vs our PUT /metrics/job/... route",
  async run(ctx) {
    const binary = findPushgateway();
    if (!binary)
      throw new SkipError('prometheus-pushgateway is not installed (apt-get install prometheus-pushgateway)');
    const { series, groups } = ctx.settings.push;
    // One group is Pushgateway's best case (each push re-checks every stored group); many groups is a fleet.
    const loads = [pushes(series, 1), pushes(series, groups)];
    const gateway = await measure(ctx, 'pushgateway', () => startPushgateway(binary), loads);
    const env = await ctx.bench.appEnv();
    const ours = await measure(ctx, 'ingest-api', () => startIngestApi(env), loads);
    const r = ratio(ours.runs[0].load.reqPerSec, gateway.runs[0].load.reqPerSec);
    const rFleet = ratio(ours.runs[1].load.reqPerSec, gateway.runs[1].load.reqPerSec);
    return {
      figures: {
        pushgatewayVersion: pushgatewayVersion(binary),
        seriesPerPush: seriesIn(loads[0][0].body),
        bodyBytes: Buffer.byteLength(loads[0][0].body),
        connections: ctx.settings.connections,
        oneGroup: { pushgateway: gateway.runs[0].load, ours: ours.runs[0].load },
        fleet: { groups, pushgateway: gateway.runs[1].load, ours: ours.runs[1].load },
      },
      ratios: { oursToPushgateway: r, oursToPushgatewayFleet: rFleet },
      targets: [
        target('push req/s ratio to Pushgateway (one group)', '>= 2.5', r, (v) => v >= 2.5),
        target(`push req/s ratio to Pushgateway (${groups} groups)`, '>= 2.5', rFleet, (v) => v >= 2.5),
        target('ingest-api peak RSS (MB)', '<= 200', ours.memory.processes[0]?.peakRssMb ?? null, (v) => v <= 200),
      ],
      memory: [ours.memory, gateway.memory],
      cpu: {
        pushgatewayOneGroup: gateway.runs[0].cpu,
        oursOneGroup: ours.runs[0].cpu,
        pushgatewayFleet: gateway.runs[1].cpu,
        oursFleet: ours.runs[1].cpu,
      },
    };
  },
};
