import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { REPO_ROOT } from './processes';
import type { BenchSettings, ScenarioResult } from './scenario';

export interface BenchReport {
  generatedAt: string;
  mode: BenchSettings['mode'];
  gitCommit: string | null;
  /** True when the working tree had uncommitted changes: the figures are of those, not of gitCommit alone. */
  gitDirty: boolean | null;
  /** `--apps-from`: the apps measured were built in another checkout, at this commit. */
  apps?: { root: string; gitCommit: string | null; gitDirty: boolean | null };
  /** `--reference-receiver`: the grafana/usage-stats-handler build measured beside ours. */
  referenceReceiver?: { appJs: string; gitCommit: string | null };
  machine: { cpuCount: number; cpuModel: string; memoryGb: number; node: string; platform: string };
  settings: BenchSettings;
  wallSec: number;
  scenarios: ScenarioResult[];
}

function git(args: string[], cwd = REPO_ROOT): string | null {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

export function machineFacts(): BenchReport['machine'] {
  return {
    cpuCount: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

export function gitFacts(cwd = REPO_ROOT): { gitCommit: string | null; gitDirty: boolean | null } {
  const status = git(['status', '--porcelain', '--untracked-files=no'], cwd);
  return { gitCommit: git(['rev-parse', 'HEAD'], cwd), gitDirty: status === null ? null : status.length > 0 };
}

/** Written via a temporary file, so a reader never sees half a report. */
export function writeReport(path: string, report: BenchReport): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, JSON.stringify(report, null, 2) + '\n');
  renameSync(`${path}.tmp`, path);
}

/** CPU (% of one core) used by unrelated processes above which a window's figures are flagged as noisy. */
export const NOISY_PCT = 15;

const fmt = (v: unknown) => (v === null || v === undefined ? '-' : typeof v === 'number' ? String(v) : String(v));

/** One line per target, for the console. */
export function summary(report: BenchReport): string {
  const lines = [
    `bench ${report.mode} on ${report.machine.cpuCount} CPUs, commit ${report.gitCommit?.slice(0, 10) ?? '?'}${report.gitDirty ? '+dirty' : ''}, ${report.wallSec}s`,
  ];
  for (const s of report.scenarios) {
    lines.push(`${s.scenario} [${s.status}${s.reason ? `: ${s.reason}` : ''}] ${s.wallSec}s`);
    const other = s.otherCpuPctOfCore ?? 0;
    if (other >= NOISY_PCT)
      lines.push(`    NOISY: processes outside the bench used up to ${other}% of a core during a measured window`);
    for (const [k, v] of Object.entries(s.ratios ?? {})) lines.push(`    ratio ${k} = ${fmt(v)}`);
    for (const t of s.targets ?? [])
      lines.push(`    ${t.met === null ? '?' : t.met ? 'MET ' : 'MISS'} ${t.name} ${t.target}: ${fmt(t.value)}`);
  }
  return lines.join('\n');
}
