import { randomBytes } from 'node:crypto';
import { Config, ConfigError, Environment, loadConfig } from '@app/config';
import { createQuietKafka, KafkaClient } from '@app/kafka';
import { deleteGroup, TopicAdmin } from '@app/kafka/admin';
import { createLogger, Logger } from '@app/observability';
import { UsageError } from './cli-errors';

/**
 * What every command shares: the validated configuration, a logger and lazily created Kafka
 * clients. Logs go to stderr as text lines, so stdout carries only the command's result.
 */
export class CliContext {
  private kafkaClient?: KafkaClient;
  private adminClient?: Promise<TopicAdmin>;
  private readonly cleanups: Array<() => Promise<void>> = [];

  /** The environment the configuration was read from (the collector's `tokenEnv` looks names up here). */
  private constructor(
    readonly config: Config,
    readonly logger: Logger,
    readonly env: Environment,
  ) {}

  static create(env: Environment = process.env): CliContext {
    let config: Config;
    try {
      // The CLI serves no HTTP: the API's key settings do not apply to it.
      config = loadConfig({ ...env, AUTH_ENABLED: 'false' });
    } catch (err) {
      if (err instanceof ConfigError) throw new UsageError(err.message);
      throw err;
    }
    const logger = createLogger({ level: config.app.logLevel, format: 'text', name: 'usage-stats' }, process.stderr);
    return new CliContext(config, logger, env);
  }

  get kafka(): KafkaClient {
    // kafkajs' own retries stay short (an operator waits at the terminal) and its logs quiet
    // unless LOG_LEVEL=debug: a failure ends the command with one line naming the cause.
    const retry = { retries: 3, initialRetryTime: 300, maxRetryTime: 3_000 };
    this.kafkaClient ??= createQuietKafka(this.config.kafka, this.logger, this.config.app.logLevel, '-cli', retry);
    return this.kafkaClient;
  }

  /** A connected admin, shared by the command's services. */
  admin(): Promise<TopicAdmin> {
    this.adminClient ??= (async () => {
      const admin = await TopicAdmin.connect(this.kafka);
      this.cleanups.push(() => admin.disconnect());
      return admin;
    })();
    return this.adminClient;
  }

  /** A fresh name for a one-off read's consumer group (`<KAFKA_CONSUMER_GROUP>-cli-<purpose>-<random>`). */
  groupName(purpose: string): string {
    return `${this.config.kafka.consumerGroup}-cli-${purpose}-${randomBytes(4).toString('hex')}`;
  }

  /** A consumer group for a one-off read, deleted when the command ends. */
  throwawayGroup(purpose: string): string {
    const group = this.groupName(purpose);
    this.onClose(() => deleteGroup(this.kafka, group, this.logger));
    return group;
  }

  onClose(cleanup: () => Promise<void>): void {
    this.cleanups.unshift(cleanup);
  }

  async close(): Promise<void> {
    for (const cleanup of this.cleanups.splice(0)) {
      await cleanup().catch((err: unknown) => this.logger.debug({ err: String(err) }, 'cleanup failed'));
    }
  }
}
