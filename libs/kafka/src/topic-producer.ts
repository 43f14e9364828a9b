import { Kafka, Message, Producer } from 'kafkajs';
import { assertAcknowledged, recordingPartitioner } from './partition-coverage';

/**
 * A producer for one topic that sends with acks=all and never creates topics: the base of the
 * dead-letter sink and the recovery log, which differ only in what they turn into messages.
 */
export class TopicProducer {
  private readonly producer: Producer;

  constructor(
    kafka: Kafka,
    protected readonly topic: string,
  ) {
    this.producer = kafka.producer({
      allowAutoTopicCreation: false,
      createPartitioner: recordingPartitioner,
    });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }

  /** Rejects unless every message is acknowledged by all in-sync replicas (every partition it went to). */
  protected async send(messages: Message[]): Promise<void> {
    if (messages.length === 0) return;
    assertAcknowledged(this.topic, messages, await this.producer.send({ topic: this.topic, acks: -1, messages }));
  }
}
