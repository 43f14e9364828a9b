import { createRequire } from 'node:module';

/** The part of kafkajs' per-connection RequestQueue (src/network/requestQueue) this file replaces. */
export interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

/** kafkajs' own interval for re-checking queued requests once a throttle has passed. */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

/**
 * kafkajs 2.2.4 (its last release) re-arms a timer in every connection's request queue after each
 * response even when nothing is queued, with a negative delay that Node runs after 1 ms: each idle
 * connection wakes its process about a thousand times a second, forever (tulios/kafkajs#1556; the
 * fix, #1667, was never merged). A worker holds three such connections. This schedules the check
 * only while requests wait, after the throttle if there is one, as the unmerged fix does.
 */
function scheduleCheckPendingRequests(this: RequestQueueInternals): void {
  if (this.throttleCheckTimeoutId || this.pending.length === 0) return;
  const throttledFor = this.throttledUntil - Date.now();
  this.throttleCheckTimeoutId = setTimeout(
    () => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    },
    throttledFor > 0 ? throttledFor : CHECK_PENDING_REQUESTS_INTERVAL_MS,
  );
}

/** kafkajs' RequestQueue class (no public export, no types). */
export function kafkajsRequestQueue(): { prototype: RequestQueueInternals } {
  const load = createRequire(require.resolve('kafkajs'));
  return load('./src/network/requestQueue') as { prototype: RequestQueueInternals };
}

/** Replaces the busy re-check in kafkajs' request queue; once per process, before any client connects. */
export function fixRequestQueueBusyLoop(): void {
  const queue = kafkajsRequestQueue();
  if (typeof queue.prototype.scheduleCheckPendingRequests !== 'function')
    throw new Error('kafkajs RequestQueue has no scheduleCheckPendingRequests: the installed kafkajs is not 2.2.x');
  queue.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
}
