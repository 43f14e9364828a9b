import { Anonymizer, AnonymizerFileConfig, fieldListsFrom } from '@app/anonymizer';
import { Config, readConfigFile } from '@app/config';

/**
 * The anonymizer the API applies before Kafka when ANONYMIZE_AT=ingest: the same key and
 * CONFIG_FILE field lists the worker would use, so both placements store the same pseudonyms.
 * `anonymizer` is undefined when the worker anonymizes (the default) or anonymization is off.
 */
export class EdgeAnonymizer {
  constructor(readonly anonymizer?: Anonymizer) {}

  static from(config: Config): EdgeAnonymizer {
    const { enabled, at, keys } = config.anonymizer;
    if (!enabled || at !== 'ingest' || keys.length === 0) return new EdgeAnonymizer();
    const file = config.worker.configFile ? readConfigFile(config.worker.configFile) : undefined;
    return new EdgeAnonymizer(new Anonymizer(keys, fieldListsFrom(file?.section('anonymizer', AnonymizerFileConfig))));
  }
}
