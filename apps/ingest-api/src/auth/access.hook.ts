import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { AuthConfig, RouteGroup } from '@app/config';
import { ApiKeys, KeyMatch, presentedKey } from './api-keys';
import { INGEST_POLICY, IngestRoutePolicy } from './ingest-route.decorator';
import { TokenBuckets } from './token-bucket';

const BASIC_CHALLENGE = 'Basic realm="usage-stats-handler", charset="UTF-8"';

/** The route groups open without a key: PUBLIC_ROUTES, plus `report` for GRAFANA_REPORT_PUBLIC. */
function publicGroups(auth: AuthConfig): ReadonlySet<RouteGroup> {
  return new Set<RouteGroup>([...auth.publicRoutes, ...(auth.grafanaReportPublic ? (['report'] as const) : [])]);
}

/**
 * API key check and per-client rate limit for ingest routes, as a Fastify onRequest hook:
 * it runs before the body is read, so an unauthenticated or over-limit client never gets
 * a megabyte buffered. Probes and metrics carry no policy and pass untouched.
 */
export function accessHook(auth: AuthConfig, keys: ApiKeys, buckets: TokenBuckets) {
  const open = publicGroups(auth);
  return (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const policy = (req.routeOptions.config as unknown as Record<string, unknown> | undefined)?.[INGEST_POLICY] as
      IngestRoutePolicy | undefined;
    if (!policy) return done();
    const key = presentedKey(req.headers, req.query, policy.queryKey === true);
    const match = key === undefined ? undefined : keys.match(key);
    const allowed = match !== undefined && match.scopes.includes(policy.group);
    if (auth.enabled && !open.has(policy.group) && !allowed) return refuse(reply, policy, key, match);
    req.apiKeyId = allowed ? match.id : undefined;
    // A client is an address using a key: one leaked key cannot starve everybody else.
    const wait = buckets.take(`${req.apiKeyId ?? '-'}|${req.ip}`);
    if (wait > 0) {
      void reply.code(429).header('retry-after', String(wait)).send({ message: 'rate limit exceeded' });
      return;
    }
    done();
  };
}

/** 401 without a valid key (with the challenges a client may answer), 403 for a key limited to other routes. */
function refuse(reply: FastifyReply, policy: IngestRoutePolicy, key: string | undefined, match?: KeyMatch): void {
  if (match) {
    void reply.code(403).send({ message: `API key not allowed on ${policy.group} routes` });
    return;
  }
  // A browser would open a password dialog on a Basic challenge: the panel's route offers Bearer only.
  const challenges = policy.group === 'panel' ? 'Bearer' : [BASIC_CHALLENGE, 'Bearer'];
  const message = key === undefined ? 'missing API key' : 'invalid API key';
  void reply.code(401).header('www-authenticate', challenges).send({ message });
}
