import { Config, ConfigError } from '@app/config';
import type { Logger } from '@app/observability';
import { createStore, UnknownStoreError } from '@app/storage';

/**
 * Builds every selected store once in the primary, before forking: settings required only by
 * the chosen store (REMOTE_WRITE_URL, ...) then stop the worker with one line per store that
 * cannot be built (all of them at once), instead of failing in each child and being restarted
 * forever. Construction does no I/O; only the selected stores' modules are loaded.
 */
export async function checkStoresOrExit(config: Config, logger: Logger): Promise<void> {
  const problems: string[] = [];
  for (const type of config.worker.storageTypes) {
    try {
      await createStore(type, config, logger);
    } catch (err) {
      if (err instanceof ConfigError) problems.push(...err.problems);
      else if (err instanceof UnknownStoreError) problems.push(err.message);
      else throw err;
    }
  }
  if (problems.length === 0) return;
  process.stderr.write(`${problems.join('\n')}\n`);
  process.exit(1);
}
