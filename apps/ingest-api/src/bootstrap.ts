import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Config } from '@app/config';
import { Logger, NestLogger } from '@app/observability';
import { AppModule } from './app.module';

export async function bootstrapIngestApi(config: Config, logger: Logger): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: config.app.maxPayloadBytes, trustProxy: true });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, logger), adapter, {
    logger: new NestLogger(logger),
    bufferLogs: false,
  });
  app.enableShutdownHooks();
  await app.listen(config.app.port, '0.0.0.0');
  logger.info({ port: config.app.port }, 'ingest-api listening');
  return app;
}
