import 'reflect-metadata';
import cluster from 'node:cluster';
import { loadConfigOrExit } from '@app/config';

// Configuration is validated before anything starts, and before the rest of the app is even
// loaded (so a bad start ends at once): bad values exit 1 with one line each.
const config = loadConfigOrExit();

async function main(): Promise<void> {
  const { createLogger } = await import('@app/observability');
  const logger = createLogger({
    level: config.app.logLevel,
    format: config.app.logFormat,
    name: cluster.isPrimary ? 'worker' : 'worker-consumer',
  });
  if (cluster.isPrimary) await (await import('./primary/check-stores')).checkStoresOrExit(config, logger);
  const run = cluster.isPrimary
    ? (await import('./primary/primary.process')).runPrimary
    : (await import('./child/consumer.process')).runChild;
  await run(config, logger).catch((err: unknown) => {
    logger.fatal({ err }, 'worker failed');
    process.exit(1);
  });
}

// A failure to load the app itself (before a logger exists).
main().catch((err: unknown) => {
  process.stderr.write(`worker failed: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
