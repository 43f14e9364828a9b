import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Reads a whole text file, or undefined when it does not exist or cannot be read. */
export type ReadText = (path: string) => string | undefined;

const CGROUP = '/sys/fs/cgroup';

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * CPUs this process may actually use: the cgroup CPU quota (a container's `--cpus`), rounded
 * up, capped by os.availableParallelism() (CPU affinity), at least 1. os.cpus() counts the
 * host's cores, so a 2-CPU container on a 64-core host would otherwise fork 64 workers.
 */
export function usableCpus(read: ReadText = readText, available: number = availableParallelism()): number {
  const quota = cgroupV2Quota(read) ?? cgroupV1Quota(read);
  const cpus = quota === undefined ? available : Math.min(available, Math.ceil(quota));
  return Math.max(1, cpus);
}

/** `cpu.max` is "<quota> <period>" or "max <period>" (no limit). */
export function parseCpuMax(text: string | undefined): number | undefined {
  const match = /^\s*(max|\d+)\s+(\d+)/.exec(text ?? '');
  if (!match || match[1] === 'max') return undefined;
  return quotaOf(Number(match[1]), Number(match[2]));
}

function quotaOf(quota: number, period: number): number | undefined {
  return quota > 0 && period > 0 ? quota / period : undefined;
}

/** cgroup v2: the process's own cgroup and every ancestor may carry a limit; the tightest wins. */
function cgroupV2Quota(read: ReadText): number | undefined {
  const path = /^0::(\/.*)$/m.exec(read('/proc/self/cgroup') ?? '')?.[1]?.trim();
  if (path === undefined) return undefined;
  const limits = ancestors(path).map((dir) => parseCpuMax(read(`${CGROUP}${dir}/cpu.max`)));
  const found = limits.filter((l): l is number => l !== undefined);
  return found.length > 0 ? Math.min(...found) : undefined;
}

/** '/a/b' -> ['/a/b', '/a', ''] ('' is the mount root, a container's own cgroup under cgroupns). */
function ancestors(path: string): string[] {
  const parts = path.split('/').filter(Boolean);
  return parts.map((_, i) => `/${parts.slice(0, parts.length - i).join('/')}`).concat('');
}

/**
 * cgroup v1: cpu.cfs_quota_us / cpu.cfs_period_us (-1: no limit) of the cpu controller, looked
 * up under the process's cgroup path first, then at the controller's mount root (inside a
 * container the mount root is the container's cgroup).
 */
function cgroupV1Quota(read: ReadText): number | undefined {
  const line = /^\d+:([^:]*\bcpu\b[^:]*):(\/.*)$/m.exec(read('/proc/self/cgroup') ?? '');
  const mounts = [...new Set([line?.[1], 'cpu,cpuacct', 'cpu'].filter((m): m is string => !!m))];
  const path = line?.[2]?.trim() === '/' ? '' : (line?.[2]?.trim() ?? '');
  const dirs = mounts.flatMap((m) => (path ? [`${CGROUP}/${m}${path}`, `${CGROUP}/${m}`] : [`${CGROUP}/${m}`]));
  for (const dir of dirs) {
    const quota = read(`${dir}/cpu.cfs_quota_us`);
    const period = read(`${dir}/cpu.cfs_period_us`);
    if (quota === undefined || period === undefined) continue;
    return quotaOf(Number(quota.trim()), Number(period.trim()));
  }
  return undefined;
}
