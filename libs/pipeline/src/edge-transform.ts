import { Anonymizer, AnonymizerFileConfig, fieldListsFrom } from '@app/anonymizer';
import { Config, readConfigFile } from '@app/config';
import type { EdgeTransform } from '@app/contracts';

/**
 * What everything that publishes to the events topic (the API, the collector) applies before
 * Kafka when ANONYMIZE_AT=ingest: the same key and CONFIG_FILE field lists the worker would use,
 * so both placements store the same pseudonyms; source.keyId tells the worker not to anonymize
 * again. Undefined when the worker anonymizes (the default) or anonymization is off.
 */
export function edgeTransformFor(config: Config): EdgeTransform | undefined {
  const { enabled, at, keys } = config.anonymizer;
  if (!enabled || at !== 'ingest' || keys.length === 0) return undefined;
  const file = config.worker.configFile ? readConfigFile(config.worker.configFile) : undefined;
  const anonymizer = new Anonymizer(keys, fieldListsFrom(file?.section('anonymizer', AnonymizerFileConfig)));
  return (kind, payload, source) => anonymizer.anonymize(kind, payload as Record<string, unknown>, source);
}
