import { RouteConfig } from '@nestjs/platform-fastify';
import { RouteGroup } from '@app/config';

/** How the access hook treats an ingest route (carried in Fastify's route config). */
export interface IngestRoutePolicy {
  /** The group a key's scopes and PUBLIC_ROUTES name. */
  group: RouteGroup;
  /** Accept the key as `?key=` (the analytics panel cannot set headers). */
  queryKey?: boolean;
}

export const INGEST_POLICY = 'ingestPolicy';

/** Marks a route as an ingest route: API key (unless public) and per-client rate limit apply. */
export const IngestRoute = (policy: IngestRoutePolicy) => RouteConfig({ [INGEST_POLICY]: policy });
