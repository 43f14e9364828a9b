import { Config, ConfigError } from '@app/config';
import type { Logger } from '@app/observability';
import { createStore, UnknownStoreError } from '@app/storage';

/**
 * Builds every selected store once in the primary, before forking: settings required only by
 * the chosen store (REMOTE_WRITE_URL, ...) then stop the worker with one line, instead of
 * failing in each child and being restarted forever. Construction does no I/O.
 */
export function checkStoresOrExit(config: Config, logger: Logger): void {
  for (const type of config.worker.storageTypes) {
    try {
      createStore(type, config, logger);
    } catch (err) {
      if (err instanceof ConfigError || err instanceof UnknownStoreError) {
        process.stderr.write(`${err.message}\n`);
        process.exit(1);
      }
      throw err;
    }
  }
}
