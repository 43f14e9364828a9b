/**
 * Correlation-id shapes that cannot carry a name, an e-mail or an address: a UUID, a hex
 * trace/span id, a ULID. The API keeps these as sent; any other client id is stored as
 * HASHED_CORRELATION_PREFIX + its keyed pseudonym (docs/privacy.md).
 */
export const OPAQUE_CORRELATION_ID = new RegExp(
  '^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}' +
    '|[0-9a-fA-F]{16,64}|[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26})$',
);

/** Prefix of a correlation id derived from a client's id that was not an opaque shape. */
export const HASHED_CORRELATION_PREFIX = 'h-';

/** A correlation id in a shape the API stores: opaque, or its own keyed form (`h-` + 32 hex). */
export function isStoredCorrelationId(id: string): boolean {
  return OPAQUE_CORRELATION_ID.test(id) || /^h-[0-9a-f]{32}$/.test(id);
}
