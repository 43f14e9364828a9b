import { Kafka, logLevel, LogEntry, RetryOptions, SASLOptions } from 'kafkajs';
import type { KafkaConfig } from '@app/config';
import type { Logger } from '@app/observability';
import { registerCompressionCodecs } from './compression-codecs';
import { fixRequestQueueBusyLoop } from './kafkajs-request-queue';

// Before any client exists: a producer compresses and a consumer decompresses with these.
registerCompressionCodecs();
// Before any connection exists: idle connections stop waking their process every millisecond.
fixRequestQueueBusyLoop();

/**
 * The handle createKafka returns. Outside libs/kafka it is only passed on (to a producer,
 * consumer, reader or TopicAdmin of this library), never used directly.
 */
export type KafkaClient = Kafka;

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * The only place a kafkajs client is constructed; its logs go to our structured logger.
 * `retry` overrides kafkajs' client retry (e.g. to fail fast).
 */
export function createKafka(
  config: KafkaConfig,
  logger: Logger,
  clientIdSuffix = '',
  retry?: RetryOptions,
): KafkaClient {
  const sasl: SASLOptions | undefined = config.saslMechanism
    ? ({
        mechanism: config.saslMechanism,
        username: config.saslUsername ?? '',
        password: config.saslPassword ?? '',
      } as SASLOptions)
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
    logCreator:
      () =>
      ({ level, log: entry }: { level: number; log: LogEntry['log'] }) => {
        const { message, ...rest } = entry;
        log[LEVELS[level] ?? 'info']({ ...rest, timestamp: undefined }, message);
      },
  });
}

/**
 * A client whose own retries are short and whose logs are quiet unless LOG_LEVEL=debug: kafkajs
 * logs every retry of every connection at error level, while the caller says what failed once
 * (the API's producer: "lost"/"connected"; the CLI: one line naming the cause).
 */
export function createQuietKafka(
  config: KafkaConfig,
  logger: Logger,
  logLevel: string,
  clientIdSuffix: string,
  retry: RetryOptions,
): KafkaClient {
  const quiet = logger.child({}, { level: logLevel === 'debug' ? 'debug' : 'fatal' });
  return createKafka(config, quiet, clientIdSuffix, retry);
}
