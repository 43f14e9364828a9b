import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const SAFE_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/**
 * Fastify's genReqId: the caller's X-Request-Id or X-Correlation-Id when it is a sane token
 * (it ends up in logs and Kafka headers), else a fresh UUID.
 */
export function correlationIdOf(req: IncomingMessage): string {
  for (const name of ['x-request-id', 'x-correlation-id']) {
    const value = req.headers[name];
    if (typeof value === 'string' && SAFE_ID.test(value)) return value;
  }
  return randomUUID();
}

export const CORRELATION_HEADER = 'x-correlation-id';
