import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Config } from '@app/config';
import { collectFirstUnderLoad, Logger, NestLogger } from '@app/observability';
import { AppModule } from './app.module';
import { correlationIdGenerator } from './http/correlation-id';
import { configureHttp, trustProxyOption } from './http/fastify-setup';
import { IngestMetrics } from './metrics/ingest.metrics';

/** The app, configured but not listening (tests drive it in-process). */
export async function createIngestApi(config: Config, logger: Logger): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.app.maxPayloadBytes,
    ...httpTimeouts(config),
    trustProxy: trustProxyOption(config.ingest.trustProxy),
    genReqId: correlationIdGenerator(config.anonymizer.enabled ? config.anonymizer.key : undefined),
    requestIdHeader: false,
    // Requests arriving while we shut down get 503 (Fastify's default, stated here on purpose).
    return503OnClosing: true,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, logger), adapter, {
    logger: new NestLogger(logger),
    bufferLogs: false,
    bodyParser: false,
  });
  configureHttp(app, config, logger, app.get(IngestMetrics));
  return app;
}

/**
 * Node answers 408 and closes the connection when the headers or the whole request take too
 * long, so a slow client holds a socket for a bounded time; the check runs every second
 * (Node's default is every 30 s, which would stretch a short bound).
 */
function httpTimeouts(config: Config) {
  const { httpRequestTimeoutMs, httpHeadersTimeoutMs, httpKeepAliveTimeoutMs, httpConnectionTimeoutMs } = config.ingest;
  const headersTimeout = Math.min(httpHeadersTimeoutMs, httpRequestTimeoutMs);
  return {
    requestTimeout: httpRequestTimeoutMs,
    keepAliveTimeout: httpKeepAliveTimeoutMs,
    connectionTimeout: httpConnectionTimeoutMs,
    http: {
      headersTimeout,
      requestTimeout: httpRequestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, headersTimeout),
    },
  };
}

export async function bootstrapIngestApi(config: Config, logger: Logger): Promise<NestFastifyApplication> {
  const app = await createIngestApi(config, logger);
  exitOnSignals(app, logger, config.ingest.shutdownTimeoutMs);
  await app.listen(config.app.port, '0.0.0.0');
  // Without it RSS peaks ~75 MB higher in the first minute under load than ever after (see heap.ts).
  collectFirstUnderLoad();
  logger.info(
    { port: config.app.port, healthPort: config.app.healthCheckPort, metricsPort: config.app.metricsPort },
    'ingest-api listening',
  );
  return app;
}

/**
 * SIGTERM/SIGINT: stop accepting (new requests get 503), let in-flight requests get their
 * Kafka acks, flush the producer, exit 0. A shutdown that hangs past its bound exits 1.
 */
function exitOnSignals(app: NestFastifyApplication, logger: Logger, timeoutMs: number): void {
  const shutdown = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'ingest-api shutting down: refusing new requests, flushing to Kafka');
    setTimeout(() => {
      logger.error({ timeoutMs }, 'ingest-api shutdown timed out');
      process.exit(1);
    }, timeoutMs + 5000).unref();
    app.close().then(
      () => {
        logger.info('ingest-api stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'ingest-api shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
