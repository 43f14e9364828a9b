import { IHeaders, Kafka, Partitioners, Producer } from 'kafkajs';
import type { ConsumedMessage } from './batch-consumer';

/** One message that can never be processed, with where and why it failed. */
export interface DeadLetterRecord {
  message: ConsumedMessage;
  /** Pipeline stage that refused it (decode, rules, anonymize, write). */
  stage: string;
  /** Short machine-readable reason (also the metric label). */
  reason: string;
  /** Longer explanation; may quote the payload, so it goes to the topic, never to logs. */
  detail?: string;
  eventId?: string;
  /** The consumer group (one per store) that gave up on it. */
  consumerGroup?: string;
}

export const DEAD_LETTER_HEADERS = {
  reason: 'dlq-reason',
  detail: 'dlq-detail',
  stage: 'dlq-stage',
  sourceTopic: 'dlq-source-topic',
  sourcePartition: 'dlq-source-partition',
  sourceOffset: 'dlq-source-offset',
  sourceTimestamp: 'dlq-source-timestamp',
  consumerGroup: 'dlq-consumer-group',
  eventId: 'dlq-event-id',
  failedAt: 'dlq-failed-at',
} as const;

/** Keeps the original key, bytes and headers, and adds the dlq-* headers. */
export function deadLetterMessage(record: DeadLetterRecord, now = Date.now()): { key: Buffer | null; value: Buffer | null; headers: IHeaders } {
  const m = record.message;
  const h = DEAD_LETTER_HEADERS;
  const added: Record<string, string> = {
    [h.reason]: record.reason, [h.stage]: record.stage, [h.sourceTopic]: m.topic, [h.sourcePartition]: String(m.partition),
    [h.sourceOffset]: m.offset, [h.sourceTimestamp]: m.timestamp, [h.failedAt]: new Date(now).toISOString(),
  };
  if (record.detail) added[h.detail] = record.detail.slice(0, 2000);
  if (record.eventId) added[h.eventId] = record.eventId;
  if (record.consumerGroup) added[h.consumerGroup] = record.consumerGroup;
  return { key: m.key, value: m.value, headers: { ...m.headers, ...added } };
}

/** Publishes dead letters with acks=all; a failure rejects so the batch is retried, never committed. */
export class DeadLetterProducer {
  private readonly producer: Producer;

  constructor(kafka: Kafka, private readonly topic: string) {
    this.producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  async publish(records: DeadLetterRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.producer.send({ topic: this.topic, acks: -1, messages: records.map((r) => deadLetterMessage(r)) });
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }
}
