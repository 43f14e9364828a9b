let tail: Promise<unknown> = Promise.resolve();

/**
 * Runs a heavy synchronous step (decoding, parsing, hashing a large body) alone in its own
 * turn of the event loop. Without this, the steps of several requests whose bodies finish
 * decompressing together run back to back in one turn and /health, timers and small requests
 * wait for all of them; with it they wait for one step at most.
 */
export function inTurn<T>(step: () => T): Promise<T> {
  const run = tail.then(() => new Promise<void>((resolve) => setImmediate(resolve))).then(step);
  tail = run.catch(() => undefined);
  return run;
}
