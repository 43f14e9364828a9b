import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { Config } from '@app/config';
import { Logger } from '@app/observability';
import { accessHook } from '../auth/access.hook';
import { ApiKeys } from '../auth/api-keys';
import { TokenBuckets } from '../auth/token-bucket';
import { IngestMetrics } from '../metrics/ingest.metrics';
import { ApiExceptionFilter } from './api-exception.filter';
import { CORRELATION_HEADER } from './correlation-id';
import { readRawBodiesDirectly } from './raw-body-reader';

const UNMATCHED = 'unmatched';

/**
 * The HTTP edge, on Fastify directly where it must run before Nest sees a request: raw
 * bodies for every content type (each protocol decodes its own; a browser's text/plain
 * JSON too), correlation ids, access control before the body is read, request metrics, CORS.
 */
export function configureHttp(
  app: NestFastifyApplication,
  config: Config,
  logger: Logger,
  metrics: IngestMetrics,
): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.decorateRequest('apiKeyId', undefined);
  fastify.decorateRequest('receivedAt', 0);
  registerRawBodies(fastify, config.app.maxPayloadBytes, metrics);
  fastify.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    req.receivedAt = Date.now();
    void reply.header(CORRELATION_HEADER, req.id);
    done();
  });
  fastify.addHook(
    'onRequest',
    accessHook(
      config.auth,
      new ApiKeys(config.auth.apiKeys),
      new TokenBuckets(config.ingest.rateLimitRps, config.ingest.rateLimitBurst),
    ),
  );
  fastify.addHook('onResponse', (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const labels = { route: req.routeOptions.url ?? UNMATCHED, method: req.method, status: String(reply.statusCode) };
    metrics.requests.inc(labels);
    metrics.requestDuration.observe(labels, reply.elapsedTime / 1000);
    done();
  });
  closeConnectionsWhileClosing(fastify);
  // The analytics panel posts from dashboards on other origins.
  app.enableCors({
    origin: '*',
    methods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
    allowedHeaders: [
      'Content-Type',
      'Content-Encoding',
      'Authorization',
      'X-API-Key',
      'Idempotency-Key',
      'X-Request-Id',
      'X-Correlation-Id',
    ],
    exposedHeaders: [CORRELATION_HEADER, 'Retry-After', 'X-Event-Id'],
    maxAge: 86_400,
  });
  app.useGlobalFilters(new ApiExceptionFilter(logger, config.ingest.retryAfterSeconds));
}

/** Every content type arrives as raw bytes, capped at `maxBytes` while it is read. */
function registerRawBodies(fastify: FastifyInstance, maxBytes: number, metrics: IngestMetrics): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: maxBytes },
    (req: FastifyRequest, body: Buffer, done: (err: Error | null, body?: Buffer) => void) => {
      metrics.bytesIn.inc({ route: req.routeOptions.url ?? UNMATCHED }, body.length);
      done(null, body);
    },
  );
  readRawBodiesDirectly(fastify);
}

/**
 * Node keeps alive a connection whose response ends after close() began, and close() waits
 * for it; answering those with Connection: close lets shutdown finish.
 */
function closeConnectionsWhileClosing(fastify: FastifyInstance): void {
  let closing = false;
  fastify.addHook('preClose', (done: HookHandlerDoneFunction) => {
    closing = true;
    done();
  });
  fastify.addHook(
    'onSend',
    (_req: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, payload: unknown) => void) => {
      if (closing) void reply.header('connection', 'close');
      done(null, payload);
    },
  );
}

/** TRUST_PROXY as Fastify's trustProxy option; empty trusts no forwarded header. */
export function trustProxyOption(value: string): boolean | number | string {
  if (value === 'true') return true;
  if (value === 'false' || value.trim() === '') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .join(',');
}
