/**
 * How BigQuery's answers map to the store contract
 * (https://cloud.google.com/bigquery/docs/error-messages, tabledata.insertAll).
 */

export interface BigQueryErrorItem {
  reason?: string;
  message?: string;
  location?: string;
}

/** Reasons that say "try again later" (request-level or per row). */
const RETRIABLE_REASONS = new Set([
  'backendError',
  'internalError',
  'rateLimitExceeded',
  'userRateLimitExceeded',
  'quotaExceeded',
  'timeout',
  'stopped',
]);

/**
 * A row in insertErrors. "invalid" means this row can never be inserted: the caller
 * dead-letters it with BigQuery's words. Everything else ("stopped" because a sibling failed,
 * backendError, timeout, or a reason this code does not know) is retried: nothing is dropped
 * on a guess.
 */
export function rowVerdict(errors: BigQueryErrorItem[]): { retry: boolean; reason: string } {
  const invalid = errors.filter((e) => e.reason === 'invalid');
  const shown = (invalid.length > 0 ? invalid : errors)
    .map((e) => `${e.reason ?? 'unknown'}${e.location ? ` at ${e.location}` : ''}: ${e.message ?? ''}`.trim())
    .join('; ');
  return { retry: invalid.length === 0, reason: `BigQuery refused the row: ${shown || 'no reason given'}` };
}

export type RequestVerdict = 'retry' | 'table-missing' | 'split';

/**
 * A failed insertAll request as a whole. `split`: the request itself is refused (400 invalid,
 * 413 too large); halves may pass, and a single row refused this way is invalid for good.
 * Credential and permission errors hold the batch (settings, not data), as do outages.
 */
export function requestVerdict(code: number | undefined, errors: BigQueryErrorItem[]): RequestVerdict {
  if (errors.some((e) => e.reason && RETRIABLE_REASONS.has(e.reason))) return 'retry';
  if (code === 404) return 'table-missing';
  if (code === 400 || code === 413) return 'split';
  return 'retry';
}
