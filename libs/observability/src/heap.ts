import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface FirstCollectionOptions {
  /** Collect when the old space has reached this multiple of its size at start. */
  growth?: number;
  /** How often the old space is looked at (ms). */
  intervalMs?: number;
  /** Bytes in V8's old space (tests pass their own). */
  oldSpaceBytes?: () => number;
  /** The collection (tests pass their own). */
  collect?: () => void;
}

/**
 * Runs one full collection once the old space has grown by a quarter over its size at start, then
 * leaves every later collection to V8.
 *
 * V8's collections during start-up, with no allocation rate measured yet, set the old generation's
 * limit at 4x the live heap (`--trace-gc-verbose`: ~141 MB for ~35 MB live in the ingest API), and
 * the limit stays there until the next mark-compact. Under load at its ceiling the API's RSS
 * therefore climbed to 230–240 MB in its first half-minute, then stayed near 160 MB for good once
 * a collection under load had sized the limit from the live heap and the allocation rate (factor
 * 1.1, live + ~24 MB). A collection right after start-up does not help, for the same reason as
 * V8's own. Run once the process is allocating, it sizes the limit as V8's later collections do.
 */
export function collectFirstUnderLoad(options: FirstCollectionOptions = {}): { stop(): void } {
  const { growth = 1.25, intervalMs = 500, oldSpaceBytes = oldSpaceUsed, collect = collectGarbage } = options;
  const threshold = oldSpaceBytes() * growth;
  const timer = setInterval(() => {
    if (oldSpaceBytes() < threshold) return;
    clearInterval(timer);
    collect();
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

function oldSpaceUsed(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')?.space_used_size ?? 0;
}

/**
 * One full garbage collection. Node has no call for it without `--expose-gc` on its command line;
 * the flag is set for the one new context that hands the function over, then cleared again.
 */
export function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  try {
    (runInNewContext('gc') as () => void)();
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}
