import { pseudonym } from '@app/anonymizer';
import {
  type ConsumedMessage,
  HASHED_CORRELATION_PREFIX,
  headerText,
  HEADERS,
  isStoredCorrelationId,
} from '@app/contracts';

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
export function correlationIdForLog(
  message: Pick<ConsumedMessage, 'headers' | 'value'>,
  hashKey?: string,
): string | undefined {
  const id = carriedCorrelationId(message);
  if (id === undefined) return undefined;
  if (isStoredCorrelationId(id)) return id;
  return hashKey ? `${HASHED_CORRELATION_PREFIX}${pseudonym(hashKey, id.slice(0, 1024))}` : undefined;
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
