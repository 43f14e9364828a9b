import type { BenchContext } from './bench-context';
import type { HistogramDelta } from './app-metrics';
import type { CpuReport } from './cpu-meter';
import type { ProfileSummary } from './cpu-profile';
import type { RssReport } from './rss-sampler';

/** A scenario that cannot run here (a missing binary, a route not built yet): reported, not fatal. */
export class SkipError extends Error {
  override readonly name = 'SkipError';
}

export interface Target {
  name: string;
  /** Human-readable bound, e.g. ">= 0.5". */
  target: string;
  value: number | null;
  met: boolean | null;
}

export interface ScenarioOutcome {
  /** Absolute figures, per side where there is a reference. */
  figures: Record<string, unknown>;
  /** Ours / reference. */
  ratios: Record<string, number | null>;
  targets: Target[];
  memory?: RssReport[];
  /** CPU use by process group during each measured window (the profile of where time went). */
  cpu?: Record<string, CpuReport>;
  /** Per window and app: what the apps' own histograms (/metrics) recorded in it. */
  internals?: Record<string, Record<string, Record<string, HistogramDelta>>>;
  notes?: string[];
}

export interface ScenarioResult extends Partial<ScenarioOutcome> {
  scenario: string;
  title: string;
  status: 'ok' | 'skipped' | 'error';
  reason?: string;
  startedAt: string;
  wallSec: number;
  /** Most CPU (% of one core) that processes outside the bench used in a measured window: > 15 means noisy figures. */
  otherCpuPctOfCore?: number;
  /** With --profile: V8 CPU profiles of the apps over the measured windows. */
  profiles?: ProfileSummary[];
}

export interface BenchSettings {
  mode: 'quick' | 'full';
  /** Closed-loop connections, the same on both sides of a comparison. */
  connections: number;
  ceiling: { warmupSec: number; durationSec: number };
  fixedLoad: { ratePerSec: number; warmupSec: number; durationSec: number };
  push: { warmupSec: number; durationSec: number; series: number; groups: number };
  endToEnd: {
    reports: number;
    warmupReports: number;
    batchSize: number;
    batchConnections: number;
    steadyRate: number;
    steadySec: number;
  };
  /** The first warmupEvents of the topic are drained before the clock starts. */
  drain: { events: number; warmupEvents: number };
}

export const SETTINGS: Record<'quick' | 'full', BenchSettings> = {
  quick: {
    mode: 'quick',
    connections: 64,
    ceiling: { warmupSec: 2, durationSec: 6 },
    fixedLoad: { ratePerSec: 2000, warmupSec: 2, durationSec: 10 },
    push: { warmupSec: 2, durationSec: 5, series: 30, groups: 200 },
    endToEnd: {
      reports: 6000,
      warmupReports: 500,
      batchSize: 100,
      batchConnections: 8,
      steadyRate: 1000,
      steadySec: 10,
    },
    drain: { events: 30000, warmupEvents: 2000 },
  },
  full: {
    mode: 'full',
    connections: 64,
    ceiling: { warmupSec: 5, durationSec: 20 },
    fixedLoad: { ratePerSec: 2000, warmupSec: 5, durationSec: 30 },
    push: { warmupSec: 3, durationSec: 15, series: 30, groups: 200 },
    endToEnd: {
      reports: 30000,
      warmupReports: 2000,
      batchSize: 100,
      batchConnections: 8,
      steadyRate: 1000,
      steadySec: 30,
    },
    drain: { events: 60000, warmupEvents: 4000 },
  },
};

export interface ScenarioContext {
  bench: BenchContext;
  settings: BenchSettings;
  /** `--reference-receiver`: app.js of a grafana/usage-stats-handler checkout, measured beside ours. */
  referenceReceiver?: string;
  log(message: string): void;
}

export interface Scenario {
  name: string;
  title: string;
  run(ctx: ScenarioContext): Promise<ScenarioOutcome>;
}

export const target = (name: string, bound: string, value: number | null, met: (v: number) => boolean): Target => ({
  name,
  target: bound,
  value,
  met: value === null || Number.isNaN(value) ? null : met(value),
});
