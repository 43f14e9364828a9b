import { Kafka, logLevel, LogEntry, RetryOptions, SASLOptions } from 'kafkajs';
import type { KafkaConfig } from '@app/config';
import type { Logger } from '@app/observability';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error', [logLevel.WARN]: 'warn', [logLevel.INFO]: 'info', [logLevel.DEBUG]: 'debug',
};

/** The only place a kafkajs client is constructed; its logs go to our structured logger. `retry` overrides kafkajs' client retry (e.g. to fail fast). */
export function createKafka(config: KafkaConfig, logger: Logger, clientIdSuffix = '', retry?: RetryOptions): Kafka {
  const sasl: SASLOptions | undefined = config.saslMechanism
    ? ({ mechanism: config.saslMechanism, username: config.saslUsername ?? '', password: config.saslPassword ?? '' } as SASLOptions)
    : undefined;
  const log = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: config.clientId + clientIdSuffix,
    brokers: config.brokers,
    ssl: config.ssl,
    sasl,
    connectionTimeout: 3000,
    requestTimeout: 10000,
    retry,
    logLevel: logLevel.WARN,
    logCreator: () => ({ level, log: entry }: { level: number; log: LogEntry['log'] }) => {
      const { message, ...rest } = entry;
      log[LEVELS[level] ?? 'info']({ ...rest, timestamp: undefined }, message);
    },
  });
}
