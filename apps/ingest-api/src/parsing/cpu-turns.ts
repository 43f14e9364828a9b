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

/** Bodies below this are handled at once: their steps cost microseconds, and a turn each would cost more. */
export const IN_PLACE_BYTES = 64 * 1024;

/** `step` at once for a small body, else alone in its own turn (see inTurn). */
export function inTurnIfLarge<T>(bodyBytes: number, step: () => T): T | Promise<T> {
  return bodyBytes < IN_PLACE_BYTES ? step() : inTurn(step);
}
