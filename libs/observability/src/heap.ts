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
 * Runs V8's first full collection once the old space has grown by a quarter over its size at start,
 * then leaves every later collection to V8.
 *
 * Until its first mark-compact, V8 lets the old generation grow to a start-up limit that does not
 * depend on how much of the heap is live: ~115 MB of old space in the ingest API, against ~35 MB
 * live. Under load at its ceiling the API's RSS therefore climbed to 230–240 MB in its first
 * half-minute, then stayed near 160 MB for good once that collection had sized the limit from the
 * live heap and the allocation rate. A collection at start does not help: with nothing allocated
 * yet, V8 sizes the limit for an idle heap (several times the live size). Run once the process is
 * allocating, it sizes the limit as V8's own later collections do.
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
