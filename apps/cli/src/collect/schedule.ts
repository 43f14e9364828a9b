/** Rounds start `everyMs` apart, counted from each round's start; one that overran is followed at once. */
export function delayUntilNextRound(startedAt: number, now: number, everyMs: number): number {
  return Math.max(0, startedAt + everyMs - now);
}

/** Waits `ms`, or less if the signal fires; resolves true when the wait ran to its end. */
export function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
