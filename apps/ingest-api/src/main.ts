import 'reflect-metadata';
import { loadConfigOrExit } from '@app/config';
import { createLogger } from '@app/observability';
import { bootstrapIngestApi } from './bootstrap';

// Configuration is validated before anything starts: bad values exit 1 with one line each.
const config = loadConfigOrExit();
const logger = createLogger({ level: config.app.logLevel, format: config.app.logFormat, name: 'ingest-api' });

bootstrapIngestApi(config, logger).catch((err: unknown) => {
  logger.fatal({ err }, 'ingest-api failed to start');
  process.exit(1);
});
