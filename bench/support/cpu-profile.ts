import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { round } from './stats';

/** Monotonic microseconds: the clock V8 stamps its CPU profiles with (CLOCK_MONOTONIC on Linux). */
export const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/** Measured windows (monotonic µs); profiles are summarized over these only, not start-up or warm-up. */
export const measuredWindows: Array<[number, number]> = [];

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  process: string;
  /** Sampled time inside the measured windows. */
  sampledSec: number;
  /** Share of that time the process was running JavaScript, GC or native code (not idle). */
  busyPct: number;
  /** Self time as a share of busy time. */
  topFunctions: Array<{ fn: string; selfPct: number }>;
  byComponent: Array<{ component: string; selfPct: number }>;
}

/** Which package, Node internal or file of ours a frame belongs to. */
function componentOf(f: CallFrame): string {
  if (!f.url) return f.functionName.startsWith('(') ? f.functionName : '(native)';
  const nm = f.url.lastIndexOf('/node_modules/');
  if (nm !== -1) {
    const parts = f.url.slice(nm + 14).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (f.url.startsWith('node:')) return 'node internals';
  const dist = f.url.indexOf('/dist/');
  return dist !== -1 ? f.url.slice(dist + 6).replace(/\.js$/, '') : f.url;
}

const frameName = (f: CallFrame) =>
  `${f.functionName || '(anonymous)'} ${componentOf(f)}${f.url ? `:${f.lineNumber + 1}` : ''}`;

function top(map: Map<string, number>, total: number, n: number) {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => [k, round((v / total) * 100, 1)] as const);
}

export function summarizeProfile(
  file: string,
  label: string,
  windows: Array<[number, number]>,
  n = 12,
): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const inWindow = (t: number) => windows.some(([a, b]) => t >= a && t <= b);
  const self = new Map<string, number>();
  const components = new Map<string, number>();
  let t = profile.startTime;
  let sampled = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    t += profile.timeDeltas[i];
    const dt = profile.timeDeltas[i + 1] ?? 0;
    if (!inWindow(t)) return;
    sampled += dt;
    const frame = nodes.get(id) as CallFrame;
    if (frame.functionName === '(idle)') {
      idle += dt;
      return;
    }
    self.set(frameName(frame), (self.get(frameName(frame)) ?? 0) + dt);
    components.set(componentOf(frame), (components.get(componentOf(frame)) ?? 0) + dt);
  });
  const busy = sampled - idle;
  return {
    process: label,
    sampledSec: round(sampled / 1e6, 2),
    busyPct: sampled ? round((busy / sampled) * 100, 1) : 0,
    topFunctions: busy ? top(self, busy, n).map(([fn, selfPct]) => ({ fn, selfPct })) : [],
    byComponent: busy ? top(components, busy, n).map(([component, selfPct]) => ({ component, selfPct })) : [],
  };
}

/** Every profile written under `dir` (one folder per launched app), over `windows`. */
export function summarizeProfiles(dir: string, windows: Array<[number, number]>): ProfileSummary[] {
  if (!existsSync(dir)) return [];
  const out: ProfileSummary[] = [];
  for (const app of readdirSync(dir).sort()) {
    const files = readdirSync(join(dir, app))
      .filter((f) => f.endsWith('.cpuprofile'))
      .sort();
    for (const f of files) {
      const pid = f.split('.')[3];
      const summary = summarizeProfile(join(dir, app, f), `${app.replace(/^\d+-/, '')} pid ${pid}`, windows);
      if (summary.sampledSec > 0) out.push(summary);
    }
  }
  return out;
}
