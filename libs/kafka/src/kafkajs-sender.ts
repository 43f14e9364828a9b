import { Admin, CompressionTypes, Kafka, Producer } from 'kafkajs';
import { assertAcknowledged, recordingPartitioner } from './partition-coverage';
import type { OutgoingMessage, RecordSender, SenderFactory, SenderSettings } from './record-sender';

const CODECS = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
} as const;

/** KAFKA_PRODUCER_CLIENT=kafkajs: a kafkajs producer, and an admin client for idle probes. */
class KafkajsSender implements RecordSender {
  private readonly producer: Producer;
  private admin?: Admin;

  constructor(
    private readonly kafka: Kafka,
    private readonly settings: SenderSettings,
  ) {
    this.producer = kafka.producer({
      idempotent: settings.idempotent,
      maxInFlightRequests: settings.idempotent ? 1 : undefined,
      createPartitioner: recordingPartitioner,
      // Bounded, so a dead broker surfaces as an error (our requests time out earlier anyway).
      retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 },
    });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  async disconnect(): Promise<void> {
    await Promise.all([this.producer.disconnect(), this.admin?.disconnect()]);
  }

  async send(topic: string, messages: OutgoingMessage[]): Promise<void> {
    const acknowledged = await this.producer.sendBatch({
      topicMessages: [{ topic, messages }],
      acks: -1,
      timeout: this.settings.requestTimeoutMs,
      compression: CODECS[this.settings.compression],
    });
    // kafkajs can resolve without a partition it never sent (see partition-coverage.ts).
    assertAcknowledged(topic, messages, acknowledged);
  }

  async probe(): Promise<void> {
    this.admin ??= this.kafka.admin({ retry: { retries: 0 } });
    try {
      await this.admin.connect();
      await this.admin.describeCluster();
    } catch (err) {
      const admin = this.admin;
      this.admin = undefined;
      void admin.disconnect().catch(() => undefined);
      throw err;
    }
  }
}

export function kafkajsSenders(kafka: Kafka): SenderFactory {
  return (settings) => new KafkajsSender(kafka, settings);
}
