import type { Producer } from '@platformatic/kafka';
import type { KafkaConfig } from '@app/config';
import { partitionForKey } from './murmur2';
import { assertAcknowledged } from './partition-coverage';
import type { OutgoingMessage, RecordSender, SenderFactory, SenderSettings } from './record-sender';

type Library = typeof import('@platformatic/kafka');

/** Loaded only once this client is chosen; an ES module, which Node >= 20.19 requires from CommonJS. */
function loadLibrary(): Library {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@platformatic/kafka') as Library;
}

/**
 * KAFKA_PRODUCER_CLIENT=platformatic (the default): a @platformatic/kafka producer (measured at a
 * third of kafkajs's CPU per message). Each message's partition is chosen here, as Kafka's
 * default partitioner (Java, kafkajs) chooses it, so a key lands on the same partition whichever
 * client sent it, and the answer can be checked against exactly the partitions the messages went to.
 */
class PlatformaticSender implements RecordSender {
  private readonly producer: Producer<Buffer, Buffer, string, string>;

  constructor(
    { Producer, ProduceAcks, stringSerializer }: Library,
    config: KafkaConfig,
    clientId: string,
    private readonly settings: SenderSettings,
  ) {
    this.producer = new Producer({
      clientId,
      bootstrapBrokers: config.brokers,
      tls: config.ssl ? {} : undefined,
      sasl: config.saslMechanism
        ? {
            mechanism: config.saslMechanism.toUpperCase() as 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512',
            username: config.saslUsername ?? '',
            password: config.saslPassword ?? '',
          }
        : undefined,
      connectTimeout: 3000,
      timeout: settings.requestTimeoutMs,
      // Bounded, so a dead broker surfaces as an error; reconnecting is the connection owner's job.
      retries: 2,
      retryDelay: 100,
      acks: ProduceAcks.ALL,
      idempotent: settings.idempotent,
      compression: settings.compression,
      autocreateTopics: false,
      serializers: { headerKey: stringSerializer, headerValue: stringSerializer },
    });
  }

  async connect(): Promise<void> {
    await this.producer.metadata({ topics: [], forceUpdate: true });
    if (this.settings.idempotent) await this.producer.initIdempotentProducer({});
  }

  async disconnect(): Promise<void> {
    await this.producer.close(true);
  }

  async send(topic: string, messages: OutgoingMessage[]): Promise<void> {
    const count = await this.partitionCount(topic);
    const records = messages.map(({ key, value, headers }) => {
      const keyBytes = Buffer.from(key);
      return { topic, key: keyBytes, value, headers, partition: partitionForKey(keyBytes, count) };
    });
    const { offsets = [] } = await this.producer.send({ messages: records });
    // The answer lists only partitions written without error.
    const acknowledged = offsets.map((o) => ({ topicName: o.topic, partition: o.partition, errorCode: 0 }));
    assertAcknowledged(topic, records, acknowledged, (record) => record.partition);
  }

  async probe(): Promise<void> {
    await this.producer.metadata({ topics: [], forceUpdate: true });
  }

  /** From the client's metadata, which it refreshes itself (metadata max age, stale-leader errors). */
  private async partitionCount(topic: string): Promise<number> {
    let count = this.producer.currentMetadata?.topics.get(topic)?.partitionsCount;
    if (count === undefined)
      count = (await this.producer.metadata({ topics: [topic] })).topics.get(topic)?.partitionsCount;
    if (!count) throw new Error(`kafka has no partitions for topic ${topic}`);
    return count;
  }
}

/** Fails at start, not on the first send, when this Node has no codec for the configured compression. */
export function platformaticSenders(config: KafkaConfig, clientId: string): SenderFactory {
  const library = loadLibrary();
  if (!library.compressionsAlgorithms[config.compression].available) {
    throw new Error(
      `KAFKA_COMPRESSION=${config.compression} is not available with KAFKA_PRODUCER_CLIENT=platformatic here`,
    );
  }
  return (settings) => new PlatformaticSender(library, config, clientId, settings);
}
