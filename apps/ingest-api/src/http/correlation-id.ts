import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { pseudonym } from '@app/anonymizer';

const SAFE_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/**
 * Shapes that cannot carry a name, an e-mail or an address: a UUID, a hex trace/span id, a ULID.
 * Anything else a client sends (`alice@example.com`, `jdoe-laptop`) might, and the id is stored
 * with every event and written to every log line.
 */
const OPAQUE_ID =
  /^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{16,64}|[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26})$/;

/** Prefix of a correlation id derived from a client's id that was not an opaque shape. */
export const HASHED_CORRELATION_PREFIX = 'h-';

/**
 * Fastify's genReqId. Without a key (anonymization off) the caller's X-Request-Id or
 * X-Correlation-Id is taken as sent when it is a sane token. With the anonymization key, only
 * opaque shapes are taken as sent; any other value is replaced by `h-` and its keyed pseudonym,
 * so the same client id always maps to the same stored id (support can compute it with the
 * key) while the value itself never reaches Kafka, a store or a log. No id: a fresh UUID.
 */
export function correlationIdGenerator(hashKey?: string): (req: IncomingMessage) => string {
  return (req) => {
    for (const name of ['x-request-id', 'x-correlation-id']) {
      const value = req.headers[name];
      if (typeof value !== 'string' || value === '') continue;
      if (!hashKey) {
        if (SAFE_ID.test(value)) return value;
        continue;
      }
      if (OPAQUE_ID.test(value)) return value;
      return `${HASHED_CORRELATION_PREFIX}${pseudonym(hashKey, value.slice(0, 1024))}`;
    }
    return randomUUID();
  };
}

export const CORRELATION_HEADER = 'x-correlation-id';
