import { Anonymizer, AnonymizerFileConfig, fieldListsFrom, pseudonymOf } from '@app/anonymizer';
import { Config, ConfigError, readConfigFile } from '@app/config';
import { loadRules, RuleEngine } from '@app/rules';
import { STORE_FACTORIES } from '@app/storage';

/** What CONFIG_FILE adds to the environment: the rules and the anonymizer's field lists. */
export interface WorkerSettings {
  rules: RuleEngine;
  /** Absent when ANONYMIZATION_ENABLED=false. */
  anonymizer?: Anonymizer;
}

/** Throws a ConfigError naming file, line and problem, so a bad rule file stops the worker at start. */
export function loadWorkerSettings(config: Config): WorkerSettings {
  for (const type of config.worker.storageTypes) {
    if (!STORE_FACTORIES[type]) throw new ConfigError(`Invalid configuration: STORAGE_TYPE=${type}: this build has no ${type} store (available: ${Object.keys(STORE_FACTORIES).join(', ')})`);
  }
  const file = config.worker.configFile ? readConfigFile(config.worker.configFile) : undefined;
  const key = config.anonymizer.key;
  const rules = loadRules(file, { hash: key ? (v) => pseudonymOf(key, v) : undefined });
  const lists = fieldListsFrom(file?.section('anonymizer', AnonymizerFileConfig));
  return { rules, anonymizer: config.anonymizer.enabled && key ? new Anonymizer(key, lists) : undefined };
}
