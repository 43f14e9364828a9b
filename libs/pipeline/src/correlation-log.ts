import { pseudonym } from '@app/anonymizer';
import { type ConsumedMessage, headerText, HEADERS } from '@app/contracts';

/**
 * Correlation ids the API stores as sent (a UUID, a 16-64 hex trace id, a ULID) and its own
 * keyed form of any other client id (`h-` + a 32-hex pseudonym): none can carry a name, an
 * e-mail or an address (docs/privacy.md).
 */
const STORED_SHAPE = new RegExp('^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}'
  + '|[0-9a-fA-F]{16,64}|[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}|h-[0-9a-f]{32})$');

/** A batch line names at most this many distinct ids (one request's items share one). */
export const MAX_LOGGED_CORRELATION_IDS = 10;

/** What the message carries: the API's `correlation-id` header, else the envelope's own field. */
function carriedCorrelationId(message: Pick<ConsumedMessage, 'headers' | 'value'>): string | undefined {
  const header = headerText(message, HEADERS.correlationId);
  if (header) return header;
  try {
    const id = (JSON.parse(message.value?.toString('utf8') ?? '') as { correlationId?: unknown }).correlationId;
    return typeof id === 'string' && id !== '' ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The correlation id a worker log line may carry for a message. An id in a stored shape is
 * logged as it is; any other value (a foreign producer's header, an id taken while the API
 * ran without the anonymization key) as the API would store it, `h-` + its keyed pseudonym
 * under `hashKey`, or not at all without a key: never raw.
 */
export function correlationIdForLog(message: Pick<ConsumedMessage, 'headers' | 'value'>, hashKey?: string): string | undefined {
  const id = carriedCorrelationId(message);
  if (id === undefined) return undefined;
  if (STORED_SHAPE.test(id)) return id;
  return hashKey ? `h-${pseudonym(hashKey, id.slice(0, 1024))}` : undefined;
}

/** A batch's distinct correlation ids for its log lines, in message order, at most MAX_LOGGED_CORRELATION_IDS. */
export function batchCorrelationIds(messages: readonly ConsumedMessage[], hashKey?: string): string[] {
  const ids = new Set<string>();
  for (const m of messages) {
    if (ids.size >= MAX_LOGGED_CORRELATION_IDS) break;
    const id = correlationIdForLog(m, hashKey);
    if (id !== undefined) ids.add(id);
  }
  return [...ids];
}
