import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { AuthConfig } from '@app/config';
import { ApiKeys, presentedKey } from './api-keys';
import { INGEST_POLICY, IngestRoutePolicy } from './ingest-route.decorator';
import { TokenBuckets } from './token-bucket';

/**
 * API key check and per-client rate limit for ingest routes, as a Fastify onRequest hook:
 * it runs before the body is read, so an unauthenticated or over-limit client never gets
 * a megabyte buffered. Probes and metrics carry no policy and pass untouched.
 */
export function accessHook(auth: AuthConfig, keys: ApiKeys, buckets: TokenBuckets) {
  return (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const policy = (req.routeOptions.config as unknown as Record<string, unknown> | undefined)?.[INGEST_POLICY] as IngestRoutePolicy | undefined;
    if (!policy) return done();
    const key = presentedKey(req.headers, req.query, policy.queryKey === true);
    const keyId = key === undefined ? undefined : keys.identify(key);
    const open = !auth.enabled || (policy.grafanaReport === true && auth.grafanaReportPublic);
    if (!open && keyId === undefined) {
      void reply.code(401).header('www-authenticate', 'Bearer').send({ message: key === undefined ? 'missing API key' : 'invalid API key' });
      return;
    }
    req.apiKeyId = keyId;
    // A client is an address using a key: one leaked key cannot starve everybody else.
    const wait = buckets.take(`${keyId ?? '-'}|${req.ip}`);
    if (wait > 0) {
      void reply.code(429).header('retry-after', String(wait)).send({ message: 'rate limit exceeded' });
      return;
    }
    done();
  };
}
