import { MAX_RETRY_AFTER_MS } from '@app/contracts';

/** Capped exponential backoff with jitter (half fixed, half random) so retrying clients spread out. */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number, random = Math.random): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(base / 2 + (random() * base) / 2);
}

/**
 * The wait before the next attempt: the backoff, or longer when the failed write carried a
 * Retry-After hint (a `retryAfterMs` on the error, as the stores' RetriableStoreError has).
 */
export function retryDelay(
  error: unknown,
  attempt: number,
  initialMs: number,
  maxMs: number,
  random = Math.random,
): number {
  const backoff = backoffDelay(attempt, initialMs, maxMs, random);
  const hinted = (error as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  if (typeof hinted !== 'number' || !Number.isFinite(hinted) || hinted <= 0) return backoff;
  return Math.max(backoff, Math.min(hinted, MAX_RETRY_AFTER_MS));
}

export interface RetryUntilOptions {
  initialMs: number;
  maxMs: number;
  /** Asked before every attempt: true ends the loop without another one. */
  stopped: () => boolean;
  /** Each failure, with the wait before the next attempt (the caller decides what to log). */
  onError?: (err: unknown, attempt: number, delayMs: number) => void;
  /** Waits do not keep the process alive (an API that is shutting down must be able to exit). */
  unref?: boolean;
}

/**
 * Runs `attempt` until it resolves or `stopped()` says so, waiting backoffDelay between
 * failures: the one "retry until connected" loop (a store, a consumer, a producer). Resolves
 * true once an attempt succeeded, false when stopped first.
 */
export async function retryUntil(attempt: () => Promise<unknown>, options: RetryUntilOptions): Promise<boolean> {
  for (let n = 0; !options.stopped(); n++) {
    try {
      await attempt();
      return true;
    } catch (err) {
      const delayMs = backoffDelay(n, options.initialMs, options.maxMs);
      options.onError?.(err, n, delayMs);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delayMs);
        if (options.unref) timer.unref();
      });
    }
  }
  return false;
}
