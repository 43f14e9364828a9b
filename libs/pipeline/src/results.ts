/**
 * What a pipeline step says about one event (after PostHog's ingestion results): go on with a
 * value, drop it on purpose (counted, not an error), or dead-letter it (it can never be
 * processed). Expected outcomes are values; only outages throw.
 */
export type StepResult<T> =
  { type: 'ok'; value: T } | { type: 'drop'; reason: string } | { type: 'dlq'; reason: string; detail?: string };

export const ok = <T>(value: T): StepResult<T> => ({ type: 'ok', value });
export const drop = <T = never>(reason: string): StepResult<T> => ({ type: 'drop', reason });
/** `reason` is a short code (metric label, log field); `detail` may quote the payload: DLQ only, never logs. */
export const dlq = <T = never>(reason: string, detail?: string): StepResult<T> => ({ type: 'dlq', reason, detail });
