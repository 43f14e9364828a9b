import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { pseudonym } from '@app/anonymizer';
import { HASHED_CORRELATION_PREFIX, OPAQUE_CORRELATION_ID } from '@app/contracts';

const SAFE_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

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
      if (OPAQUE_CORRELATION_ID.test(value)) return value;
      return `${HASHED_CORRELATION_PREFIX}${pseudonym(hashKey, value.slice(0, 1024))}`;
    }
    return randomUUID();
  };
}

export const CORRELATION_HEADER = 'x-correlation-id';
