import 'reflect-metadata';
import { loadConfigOrExit } from '@app/config';
import { createLogger } from '@app/observability';

// Configuration is validated before anything starts: a bad value exits with one line.
const config = loadConfigOrExit();
const logger = createLogger({ level: config.app.logLevel, format: config.app.logFormat, name: 'worker' });
logger.info({ workers: config.worker.workers, stores: config.worker.storageTypes }, 'worker starting');
