import type { EnvelopeOrigin } from '@app/contracts';
import type { FastifyRequest } from 'fastify';
import { BodyError } from '../parsing/body-error';

declare module 'fastify' {
  interface FastifyRequest {
    /** Fingerprint of the API key the request authenticated with (set by the access hook). */
    apiKeyId?: string;
    /** Unix ms at which the request arrived (set by the first hook). */
    receivedAt: number;
  }
}

/** What the services need to know about the request an item came in with: its envelope origin, and its body's types. */
export interface RequestContext extends EnvelopeOrigin {
  contentType?: string;
  contentEncoding?: string;
}

const header = (req: FastifyRequest, name: string): string | undefined => {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
};

export function contextOf(req: FastifyRequest, route: string): RequestContext {
  const idempotencyKey = header(req, 'idempotency-key')?.trim();
  if (idempotencyKey !== undefined && (idempotencyKey.length === 0 || idempotencyKey.length > 256)) {
    throw new BodyError(400, 'Idempotency-Key must be 1 to 256 characters');
  }
  return {
    route,
    receivedAt: req.receivedAt || Date.now(),
    correlationId: req.id,
    apiKeyId: req.apiKeyId,
    ip: req.ip,
    userAgent: header(req, 'user-agent')?.slice(0, 256),
    idempotencyKey,
    contentType: header(req, 'content-type'),
    contentEncoding: header(req, 'content-encoding'),
  };
}
