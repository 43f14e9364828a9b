import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { CONFIG, Config } from '@app/config';
import {
  BatchingProducer,
  createQuietKafka,
  eventSenders,
  eventsProducerSettings,
  KafkaClient,
  OutgoingMessage,
  prepareTopics,
} from '@app/kafka';
import { Logger } from '@app/observability';
import { LOGGER } from '../logger.token';
import { IngestMetrics } from '../metrics/ingest.metrics';

/** Room a request's envelope, headers and batch framing need beyond its body. */
const ENVELOPE_HEADROOM = 1024 * 1024;

/**
 * The API's one way into Kafka: the micro-batching producer, started with the app (topics
 * provisioned on first connection when configured) and flushed on shutdown.
 */
@Injectable()
export class EventPublisher implements OnModuleInit, OnApplicationShutdown {
  private readonly producer: BatchingProducer;

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: IngestMetrics,
  ) {
    // Quiet: during an outage the producer's own "lost"/"connected" lines say it once.
    // Fail fast: a request's bound is KAFKA_ACK_TIMEOUT_MS, and reconnecting is our loop's job.
    const retry = { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 };
    const kafka = createQuietKafka(config.kafka, logger, config.app.logLevel, '-ingest', retry);
    this.producer = new BatchingProducer(eventSenders(kafka, config.kafka, '-ingest'), {
      ...eventsProducerSettings(config),
      logger: logger.child({ component: 'producer' }),
      onFirstConnect: () => this.prepareTopics(kafka),
      onBatch: (b) => {
        metrics.batchSize.observe(b.messages);
        metrics.batchDuration.observe(b.durationMs / 1000);
        metrics.produced.inc({ outcome: b.ok ? 'acked' : 'failed' }, b.messages);
      },
      onStateChange: (state) => metrics.producerUp.set(state === 'ready' ? 1 : 0),
    });
  }

  get ready(): boolean {
    return this.producer.isReady;
  }

  get state(): string {
    return this.producer.state;
  }

  onModuleInit(): void {
    this.metrics.producerUp.set(0);
    this.producer.start();
  }

  /** Resolves when Kafka acknowledged every message; rejects with KafkaUnavailableError. */
  async publish(messages: OutgoingMessage[]): Promise<void> {
    const started = process.hrtime.bigint();
    let outcome = 'acked';
    try {
      await this.producer.send(messages);
    } catch (err) {
      outcome = 'unavailable';
      throw err;
    } finally {
      this.metrics.ackLatency.observe({ outcome }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.producer.close(this.config.ingest.shutdownTimeoutMs);
  }

  /**
   * Provisions the topics when configured, and learns the events topic's actual record size
   * limit either way, so a request that cannot fit gets 413 before anything is sent.
   */
  private async prepareTopics(kafka: KafkaClient): Promise<void> {
    const limit = await prepareTopics(kafka, this.config.kafka, this.logger);
    const effective = Math.min(limit ?? this.config.kafka.maxMessageBytes, this.config.kafka.maxMessageBytes);
    this.producer.setMaxRecordBytes(effective);
    if (effective < this.config.app.maxPayloadBytes + ENVELOPE_HEADROOM) {
      this.logger.warn(
        { maxMessageBytes: effective, maxPayloadBytes: this.config.app.maxPayloadBytes },
        'the events topic takes smaller records than MAX_PAYLOAD_SIZE plus an envelope: ' +
          'the largest accepted bodies will get 413',
      );
    }
  }
}
