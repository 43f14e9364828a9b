import { Anonymizer, AnonymizerFileConfig, fieldListsFrom, pseudonymOf } from '@app/anonymizer';
import { Config, readConfigFile } from '@app/config';
import { loadRules, RuleEngine } from '@app/rules';

/** What CONFIG_FILE adds to the environment: the rules and the anonymizer's field lists. */
export interface PipelineSettings {
  rules: RuleEngine;
  /** Absent when ANONYMIZATION_ENABLED=false. */
  anonymizer?: Anonymizer;
}

/**
 * Today's rules and anonymizer, built one way for the live worker and for replays, so a
 * backfill applies exactly what live traffic gets. Throws a ConfigError naming file, line
 * and problem.
 */
export function loadPipelineSettings(config: Config): PipelineSettings {
  const file = config.worker.configFile ? readConfigFile(config.worker.configFile) : undefined;
  const key = config.anonymizer.key;
  const rules = loadRules(file, { hash: key ? (v) => pseudonymOf(key, v) : undefined });
  const lists = fieldListsFrom(file?.section('anonymizer', AnonymizerFileConfig));
  return {
    rules,
    anonymizer: config.anonymizer.enabled && key ? new Anonymizer(config.anonymizer.keys, lists) : undefined,
  };
}
