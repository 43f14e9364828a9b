import { MAX_RETRY_AFTER_MS } from '@app/contracts';
import { RetriableStoreError } from './store';

/** Retry-After as delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

/** Outages and throttling: the same request may succeed later. */
export function isRetriableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/**
 * A peer that refuses our credentials or lacks the database/bucket is misconfigured, not fed
 * bad data: holding the batch (and alerting through lag) is right, dead-lettering is not.
 */
export function isConfigurationStatus(status: number): boolean {
  return status === 401 || status === 403 || status === 404;
}

/** The start of a response body, for error reasons (peers explain refusals there). */
export async function bodyText(res: Response, limit = 2000): Promise<string> {
  const text = await res.text().catch(() => '');
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > limit ? `${flat.slice(0, limit)}...` : flat;
}

/**
 * fetch with a deadline; a network failure or timeout is an outage (RetriableStoreError).
 * `what` names the peer in messages; it must not contain credentials.
 */
export async function send(url: string, init: RequestInit, timeoutMs: number, what: string): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const cause = err as Error & { cause?: { code?: string; message?: string } };
    const detail =
      cause.name === 'TimeoutError'
        ? `no answer within ${timeoutMs} ms`
        : (cause.cause?.code ?? cause.cause?.message ?? cause.message);
    throw new RetriableStoreError(`${what} unreachable: ${detail}`, undefined, { cause: err });
  }
}

export function retriableResponse(what: string, res: Response, body: string): RetriableStoreError {
  return new RetriableStoreError(
    `${what} answered HTTP ${res.status}: ${body || res.statusText}`,
    parseRetryAfter(res.headers.get('retry-after')),
  );
}
