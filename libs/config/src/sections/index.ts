import { AnonymizerConfig } from './anonymizer.config';
import { AppConfig } from './app.config';
import { AuthConfig } from './auth.config';
import { BigQueryConfig } from './bigquery.config';
import { IngestConfig } from './ingest.config';
import { InfluxDbConfig } from './influxdb.config';
import { KafkaConfig } from './kafka.config';
import { PostgresConfig } from './postgres.config';
import { RedisConfig } from './redis.config';
import { RemoteWriteConfig } from './remote-write.config';
import { WorkerConfig } from './worker.config';

/** Every configuration section; adding a setting means adding it to one section class. */
export const SECTIONS = {
  app: AppConfig,
  auth: AuthConfig,
  kafka: KafkaConfig,
  postgres: PostgresConfig,
  redis: RedisConfig,
  worker: WorkerConfig,
  anonymizer: AnonymizerConfig,
  ingest: IngestConfig,
  bigquery: BigQueryConfig,
  influxdb: InfluxDbConfig,
  remoteWrite: RemoteWriteConfig,
} as const;

export { AnonymizerConfig, AppConfig, AuthConfig, KafkaConfig, PostgresConfig, RedisConfig, WorkerConfig };
export * from './worker.config';
export * from './ingest.config';
export * from './api-key-entry';
export { BigQueryConfig, InfluxDbConfig, RemoteWriteConfig };
