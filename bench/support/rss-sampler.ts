import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessPeak {
  pid: number;
  /** 'primary' for the process that was started, 'child' for any process below it. */
  role: 'primary' | 'child';
  peakRssMb: number;
}

export interface RssReport {
  label: string;
  processes: ProcessPeak[];
  /** Largest sum over the whole tree at one sample. */
  peakTreeRssMb: number;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** VmRSS of one pid in MB, or undefined once it has gone. */
export function rssMb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Every live descendant of `root` (the worker forks its consumers), from /proc/<pid>/stat. */
export function descendants(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // the command name may contain spaces and parentheses: ppid is the 2nd field after the last ')'
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      // exited while listing
    }
  }
  const found: number[] = [];
  const frontier = [root];
  while (frontier.length > 0) {
    const parent = frontier.pop() as number;
    for (const [pid, ppid] of parentOf)
      if (ppid === parent) {
        found.push(pid);
        frontier.push(pid);
      }
  }
  return found;
}

/**
 * Samples the RSS of a process and all its descendants every `intervalMs` until stopped, and
 * keeps the peak per pid. Children that come and go (a respawned consumer) each get a line.
 */
export class RssSampler {
  private readonly peaks = new Map<number, ProcessPeak>();
  private peakTree = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly label: string,
    private readonly rootPid: number,
    private readonly intervalMs = 250,
  ) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  stop(): RssReport {
    clearInterval(this.timer);
    this.sample();
    const processes = [...this.peaks.values()].map((p) => ({ ...p, peakRssMb: round1(p.peakRssMb) }));
    return { label: this.label, processes, peakTreeRssMb: round1(this.peakTree) };
  }

  private sample(): void {
    let tree = 0;
    for (const pid of [this.rootPid, ...descendants(this.rootPid)]) {
      const rss = rssMb(pid);
      if (rss === undefined) continue;
      tree += rss;
      const role = pid === this.rootPid ? 'primary' : 'child';
      const known = this.peaks.get(pid);
      if (!known) this.peaks.set(pid, { pid, role, peakRssMb: rss });
      else known.peakRssMb = Math.max(known.peakRssMb, rss);
    }
    this.peakTree = Math.max(this.peakTree, tree);
  }
}
