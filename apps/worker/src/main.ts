import 'reflect-metadata';
import cluster from 'node:cluster';
import { loadConfigOrExit } from '@app/config';
import { createLogger } from '@app/observability';
import { runChild } from './child/consumer.process';
import { checkStoresOrExit } from './primary/check-stores';
import { runPrimary } from './primary/primary.process';

// Configuration is validated before anything starts: bad values exit 1 with one line each.
const config = loadConfigOrExit();
const logger = createLogger({ level: config.app.logLevel, format: config.app.logFormat, name: cluster.isPrimary ? 'worker' : 'worker-consumer' });

if (cluster.isPrimary) checkStoresOrExit(config, logger);

(cluster.isPrimary ? runPrimary : runChild)(config, logger).catch((err: unknown) => {
  logger.fatal({ err }, 'worker failed');
  process.exit(1);
});
