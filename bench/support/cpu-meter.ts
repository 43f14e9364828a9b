import { readdirSync, readFileSync } from 'node:fs';
import { measuredWindows, monotonicUs } from './cpu-profile';
import { round } from './stats';

/** USER_HZ: /proc reports CPU time in ticks of 1/100 s on Linux. */
const TICKS_PER_SEC = 100;

interface ProcTicks {
  comm: string;
  ppid: number;
  ticks: number;
}

export interface CpuReport {
  wallSec: number;
  /** Busy share of the whole machine (100 = every core busy). */
  machineBusyPct: number;
  /** Per group, CPU time as a share of ONE core (100 = a full core), largest first. */
  groupsPctOfCore: Record<string, number>;
}

function readProcs(): Map<number, ProcTicks> {
  const out = new Map<number, ProcTicks>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      // after the command: state ppid ... utime(12th) stime(13th)
      out.set(Number(entry), {
        comm: stat.slice(stat.indexOf('(') + 1, close),
        ppid: Number(fields[1]),
        ticks: Number(fields[11]) + Number(fields[12]),
      });
    } catch {
      // exited while listing
    }
  }
  return out;
}

function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = v[3] + (v[4] ?? 0);
  return { busy: total - idle, total };
}

/** CPU milliseconds each group spent per event over a window (and their total): the cost of one event. */
export function cpuMsPerEvent(cpu: CpuReport, events: number): Record<string, number> {
  if (!events) return {};
  const per = Object.entries(cpu.groupsPctOfCore)
    .filter(([g]) => g !== 'other')
    .map(([g, pct]) => [g, ((pct / 100) * cpu.wallSec * 1000) / events] as const);
  const total = per.reduce((n, [, v]) => n + v, 0);
  return Object.fromEntries([
    ...per.map(([g, v]) => [g, round(v, 3)] as const),
    ['total (excluding other)', round(total, 3)],
  ]);
}

const SERVICES: Array<[RegExp, string]> = [
  [/^postgres/, 'postgres'],
  [/^java$/, 'kafka'],
  [/^redis-server/, 'redis'],
];

/**
 * Where the CPU went during a measurement window: each labelled process tree (the API, the
 * worker and its consumers, a peer server), the stack's services, this bench process (the
 * load generator), and everything else. Snapshots of /proc at start and stop; a process
 * that exits inside the window loses its share, so stop the meter before the processes.
 */
export class CpuMeter {
  private startProcs = new Map<number, ProcTicks>();
  private startMachine = machineTicks();
  private startedAt = Date.now();
  private startedUs = monotonicUs();

  constructor(private readonly roots: Record<string, number>) {}

  private started = false;

  start(): this {
    this.started = true;
    this.startProcs = readProcs();
    this.startMachine = machineTicks();
    this.startedAt = Date.now();
    this.startedUs = monotonicUs();
    return this;
  }

  stop(): CpuReport {
    if (!this.started) this.start(); // never reached the measured part: an empty window
    const procs = readProcs();
    const machine = machineTicks();
    const wallSec = (Date.now() - this.startedAt) / 1000;
    measuredWindows.push([this.startedUs, monotonicUs()]);
    const groups: Record<string, number> = {};
    for (const [pid, p] of procs) {
      const delta = p.ticks - (this.startProcs.get(pid)?.ticks ?? 0);
      if (delta <= 0) continue;
      const group = this.groupOf(pid, procs);
      groups[group] = (groups[group] ?? 0) + delta;
    }
    const pct = (ticks: number) => round((ticks / TICKS_PER_SEC / wallSec) * 100, 1);
    const sorted = Object.entries(groups)
      .sort((a, b) => b[1] - a[1])
      .map(([g, t]) => [g, pct(t)] as const);
    const total = machine.total - this.startMachine.total;
    return {
      wallSec: round(wallSec, 2),
      machineBusyPct: total > 0 ? round(((machine.busy - this.startMachine.busy) / total) * 100, 1) : 0,
      groupsPctOfCore: Object.fromEntries(sorted),
    };
  }

  private groupOf(pid: number, procs: Map<number, ProcTicks>): string {
    if (pid === process.pid) return 'bench (load generator)';
    for (let p: number | undefined = pid, hops = 0; p && hops < 32; p = procs.get(p)?.ppid, hops++) {
      for (const [label, root] of Object.entries(this.roots)) if (root === p) return label;
    }
    const comm = procs.get(pid)?.comm ?? '';
    return SERVICES.find(([re]) => re.test(comm))?.[1] ?? 'other';
  }
}
