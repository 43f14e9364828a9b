/**
 * One record of a topic as plain data, free of any client library's types: the Kafka consumer
 * and the range reader produce it, the pipeline and a replay take it (defined here, once, so
 * libs/pipeline and libs/kafka both depend on the contract and never on each other).
 */
export interface ConsumedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | string | Array<Buffer | string> | undefined>;
  timestamp: string;
}

/** The next offset to read of one partition: everything before it is done. */
export interface CommitOffset {
  topic: string;
  partition: number;
  offset: string;
}

/** The pipeline stages that dead-letter (a letter's `stage`; read back from the topic it is any string). */
export type DeadLetterStage = 'decode' | 'rules' | 'anonymize' | 'write';

/** One message that can never be processed, with its original bytes and headers, and where and why it failed. */
export interface DeadLetter {
  message: ConsumedMessage;
  /** The pipeline stage that refused it (a DeadLetterStage). */
  stage: string;
  /** Short machine-readable reason (also the metric label). */
  reason: string;
  /** Longer explanation; may quote the payload, so it goes to the topic, never to logs. */
  detail?: string;
  eventId?: string;
  /** The consumer group (one per store) that gave up on it. */
  consumerGroup?: string;
}
