import { AnonymizerConfig } from './anonymizer.config';
import { AppConfig } from './app.config';
import { AuthConfig } from './auth.config';
import { KafkaConfig } from './kafka.config';
import { PostgresConfig } from './postgres.config';
import { RedisConfig } from './redis.config';
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
} as const;

export { AnonymizerConfig, AppConfig, AuthConfig, KafkaConfig, PostgresConfig, RedisConfig, WorkerConfig };
export * from './worker.config';
