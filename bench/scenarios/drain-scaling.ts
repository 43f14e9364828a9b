import { HistogramDelta, histogramDeltas, scrape } from '../support/app-metrics';
import { BenchContext } from '../support/bench-context';
import { CpuMeter, CpuReport, cpuMsPerEvent } from '../support/cpu-meter';
import { PrefillFigures, prefillTopic } from '../support/prefill';
import { launchApp, waitReady, withProcesses } from '../support/processes';
import { RssReport, RssSampler } from '../support/rss-sampler';
import { RowProgress, watchRows } from '../support/row-watch';
import { Scenario, ScenarioContext, target } from '../support/scenario';
import { ratio, round } from '../support/stats';

interface DrainFigures {
  workers: number;
  events: number;
  warmupEvents: number;
  /**
   * Rows per second once every consumer had joined the group (the worker's /ready), until
   * the poll that saw them all; null when less than a fifth of the rows was left by then.
   */
  eventsPerSecAfterJoin: number | null;
  /** Rows per second once the warm-up events were stored (a group rebalance may fall inside). */
  eventsPerSec: number | null;
  /** Rows per second from spawning the worker (start-up and group join included). */
  eventsPerSecFromSpawn: number | null;
  readySec: number | null;
  firstRowSec: number | null;
  doneSec: number | null;
  rows: number;
  cpuMsPerEvent: Record<string, number>;
}

async function prefill(
  bench: BenchContext,
  events: number,
): Promise<{ env: Record<string, string>; figures: PrefillFigures }> {
  const db = await bench.createDatabase('drain');
  const env = await bench.appEnv({ POSTGRES_DB: db });
  const figures = await prefillTopic(bench.kafka(env), bench.config(env).kafka, events);
  return { env, figures };
}

/** The drain rate from the first poll at or after `from` to the end, if enough was left to time. */
function rateAfter(progress: RowProgress, from: number | null, total: number): number | null {
  const start = from === null ? undefined : progress.samples.find(([t]) => t >= from);
  if (!start || progress.doneAt === null || total - start[1] < total / 5) return null;
  return Math.round((total - start[1]) / ((progress.doneAt - start[0]) / 1000));
}

/**
 * Spawns the worker and counts rows from that moment (not from readiness: a small topic can
 * be drained before the readiness probe first answers), noting when it became ready.
 */
async function drain(
  ctx: ScenarioContext,
  env: Record<string, string>,
  workers: number,
  events: number,
  warmup: number,
): Promise<{ figures: DrainFigures; memory: RssReport; cpu: CpuReport; internals: Record<string, HistogramDelta> }> {
  return withProcesses(async (track) => {
    const spawnedAt = Date.now();
    const proc = track(launchApp('worker', { ...env, WORKERS: String(workers) }));
    const sampler = new RssSampler(`worker (WORKERS=${workers})`, proc.pid, 250).start();
    // CPU is measured over the timed part only (after the warm-up rows), not start-up
    const meter = new CpuMeter({ worker: proc.pid });
    const url = `http://127.0.0.1:${env.METRICS_PORT}/metrics`;
    let before: Awaited<ReturnType<typeof scrape>>;
    let readyAt: number | null = null;
    const readiness = waitReady(proc, `http://127.0.0.1:${env.HEALTH_CHECK_PORT}/ready`, 90_000).then(
      () => {
        readyAt = Date.now();
      },
      () => undefined,
    );
    const alive = () => proc.process.exitCode === null;
    const progress = await ctx.bench.withPg(env.POSTGRES_DB, (c) =>
      watchRows(c, 'usage_reports', warmup + events, Math.max(120_000, events * 5), 100, warmup, {
        alive,
        onFirst: () => {
          meter.start();
          void scrape(url).then((m) => {
            before = m;
          });
        },
      }),
    );
    const cpu = meter.stop();
    const internals = histogramDeltas(before, await scrape(url));
    await readiness;
    await proc.stop();
    const memory = sampler.stop();
    if (progress.doneAt === null)
      throw new Error(
        `WORKERS=${workers} stored ${progress.rows}/${warmup + events} rows${alive() ? ' before the timeout' : ''}:\n${proc.output().slice(-2000)}`,
      );
    const sec = (t: number | null) => (t === null ? null : round((t - spawnedAt) / 1000, 2));
    const span = progress.firstRowAt !== null ? (progress.doneAt - progress.firstRowAt) / 1000 : 0;
    return {
      figures: {
        workers,
        events,
        warmupEvents: warmup,
        eventsPerSecAfterJoin: rateAfter(progress, readyAt, warmup + events),
        eventsPerSec: span > 0 ? Math.round((warmup + events - progress.rowsAtFirst) / span) : null,
        eventsPerSecFromSpawn: Math.round((warmup + events) / ((progress.doneAt - spawnedAt) / 1000)),
        readySec: sec(readyAt),
        firstRowSec: sec(progress.firstRowAt),
        doneSec: sec(progress.doneAt),
        rows: progress.rows,
        cpuMsPerEvent: cpuMsPerEvent(cpu, progress.rows - progress.rowsAtFirst),
      },
      memory,
      cpu,
      internals,
    };
  });
}

export const drainScaling: Scenario = {
  name: 'drain-scaling',
  title: 'Drain a pre-filled topic into PostgreSQL with WORKERS=1 and WORKERS=2',
  async run(ctx) {
    const { events, warmupEvents } = ctx.settings.drain;
    ctx.log(`  pre-filling two topics with ${warmupEvents} + ${events} usage-report envelopes each`);
    const one = await prefill(ctx.bench, warmupEvents + events);
    const two = await prefill(ctx.bench, warmupEvents + events);
    ctx.log(`  draining with WORKERS=1 (timed after the first ${warmupEvents} rows)`);
    const w1 = await drain(ctx, one.env, 1, events, warmupEvents);
    ctx.log(`  draining with WORKERS=2 (timed after the first ${warmupEvents} rows)`);
    const w2 = await drain(ctx, two.env, 2, events, warmupEvents);
    const afterJoin = ratio(
      w2.figures.eventsPerSecAfterJoin ?? undefined,
      w1.figures.eventsPerSecAfterJoin ?? undefined,
    );
    const afterWarmup = ratio(w2.figures.eventsPerSec ?? undefined, w1.figures.eventsPerSec ?? undefined);
    const fromSpawn = ratio(
      w2.figures.eventsPerSecFromSpawn ?? undefined,
      w1.figures.eventsPerSecFromSpawn ?? undefined,
    );
    const workerPeak = Math.max(...[w1.memory, w2.memory].flatMap((m) => m.processes.map((p) => p.peakRssMb)));
    return {
      figures: { prefill: [one.figures, two.figures], workers1: w1.figures, workers2: w2.figures },
      ratios: {
        workers2ToWorkers1AfterJoin: afterJoin,
        workers2ToWorkers1AfterWarmup: afterWarmup,
        workers2ToWorkers1FromSpawn: fromSpawn,
      },
      targets: [
        target('WORKERS=2 / WORKERS=1 drain rate, all consumers joined', '>= 1.5', afterJoin, (v) => v >= 1.5),
        target('WORKERS=2 / WORKERS=1 drain rate, whole drain from spawn', '>= 1.5', fromSpawn, (v) => v >= 1.5),
        target(
          'largest worker process peak RSS (MB)',
          '<= 256',
          Number.isFinite(workerPeak) ? workerPeak : null,
          (v) => v <= 256,
        ),
      ],
      memory: [w1.memory, w2.memory],
      cpu: { workers1: w1.cpu, workers2: w2.cpu },
      internals: { workers1: { worker: w1.internals }, workers2: { worker: w2.internals } },
    };
  },
};
