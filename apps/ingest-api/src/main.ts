import 'reflect-metadata';
import { loadConfigOrExit } from '@app/config';

// Configuration is validated before anything starts, and before the rest of the app is even
// loaded (so a bad start ends at once): bad values exit 1 with one line each.
const config = loadConfigOrExit();

async function main(): Promise<void> {
  const { createLogger } = await import('@app/observability');
  const { bootstrapIngestApi } = await import('./bootstrap');
  const logger = createLogger({ level: config.app.logLevel, format: config.app.logFormat, name: 'ingest-api' });
  await bootstrapIngestApi(config, logger).catch((err: unknown) => {
    logger.fatal({ err }, 'ingest-api failed to start');
    process.exit(1);
  });
}

// A failure to load the app itself (before a logger exists).
main().catch((err: unknown) => {
  process.stderr.write(`ingest-api failed to start: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
