import { EnvelopeMessage } from '@app/contracts';
import { BatchingProducer, eventSenders, eventsProducerSettings } from '@app/kafka';
import type { Logger } from '@app/observability';
import { CliContext } from '../cli-context';

/**
 * The collector's way into Kafka: the API's micro-batching producer (acks=all, idempotent as
 * configured), started once and kept for every round. A send waits a bounded time for a
 * connection (10 s, or twice KAFKA_ACK_TIMEOUT_MS if longer), so a broker restart between rounds
 * costs no report.
 */
export class ReportPublisher {
  private readonly producer: BatchingProducer;
  private readonly waiters = new Set<() => void>();

  private readonly connectTimeoutMs: number;

  constructor(
    private readonly ctx: CliContext,
    logger: Logger,
  ) {
    const { config } = ctx;
    this.connectTimeoutMs = Math.max(10_000, 2 * config.kafka.ackTimeoutMs);
    this.producer = new BatchingProducer(eventSenders(ctx.kafka, config.kafka, '-cli'), {
      ...eventsProducerSettings(config),
      logger: logger.child({ component: 'producer' }),
      onFirstConnect: config.kafka.provisionTopics ? () => this.provision() : undefined,
      onStateChange: (state) => {
        if (state === 'ready') for (const wake of this.waiters) wake();
      },
    });
    this.producer.start();
    ctx.onClose(() => this.producer.close(config.ingest.shutdownTimeoutMs));
  }

  /** Resolves once Kafka acknowledged the message; rejects (KafkaUnavailableError or a connect timeout) otherwise. */
  async publish(message: EnvelopeMessage): Promise<void> {
    await this.whenReady();
    await this.producer.send([{ key: message.key, value: message.value, headers: message.headers }]);
  }

  private whenReady(): Promise<void> {
    if (this.producer.isReady) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        reject(new Error(`kafka not reachable within ${this.connectTimeoutMs}ms (${this.producer.state})`));
      }, this.connectTimeoutMs);
      this.waiters.add(wake);
    });
  }

  private async provision(): Promise<void> {
    await (await this.ctx.admin()).ensureTopics(this.ctx.config.kafka);
  }
}
