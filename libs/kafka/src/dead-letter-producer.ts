import { createHash } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { ConsumedMessage, DeadLetter } from '@app/contracts';
import { TopicProducer } from './topic-producer';

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
  /** Set when the letter was too large for the dead-letter topic and lost its original bytes. */
  payloadDropped: 'dlq-payload-dropped',
  payloadSha256: 'dlq-payload-sha256',
} as const;

type Letter = Pick<ConsumedMessage, 'key' | 'value' | 'headers'>;

/** Record overhead in a Kafka record batch (length, attributes, deltas, counts: varints, generous). */
const RECORD_OVERHEAD = 32;
const HEADER_OVERHEAD = 8;
/** The record batch header and the produce request around it. */
const REQUEST_OVERHEAD = 512;

const byteLength = (v: unknown): number => {
  if (v === null || v === undefined) return 0;
  return Buffer.isBuffer(v) ? v.length : Buffer.byteLength(String(v));
};

/** Bytes a letter takes in a record batch, estimated from above. */
export function letterSize(m: Letter): number {
  let size = RECORD_OVERHEAD + byteLength(m.key) + byteLength(m.value);
  for (const [k, v] of Object.entries(m.headers)) {
    for (const one of Array.isArray(v) ? v : [v]) size += HEADER_OVERHEAD + byteLength(k) + byteLength(one);
  }
  return size;
}

/**
 * A letter that fits `maxBytes`: one too large loses its payload first (its size and SHA-256
 * are recorded; the source position headers still point at the original in the events topic),
 * then the original message's headers, then its key. Never retried forever for its size.
 */
export function fitLetter(m: Letter, maxBytes: number): Letter {
  const limit = maxBytes - REQUEST_OVERHEAD;
  if (letterSize(m) <= limit) return m;
  const h = DEAD_LETTER_HEADERS;
  const sha = m.value ? createHash('sha256').update(m.value).digest('hex') : '';
  const dropped = `${byteLength(m.value)} bytes dropped: the letter exceeded KAFKA_DEAD_LETTER_MAX_BYTES (${maxBytes})`;
  const summary = { [h.payloadDropped]: dropped, [h.payloadSha256]: sha };
  let out: Letter = { key: m.key, value: null, headers: { ...m.headers, ...summary } };
  if (letterSize(out) <= limit) return out;
  const own = Object.fromEntries(Object.entries(out.headers).filter(([k]) => k.startsWith('dlq-')));
  const note = `${dropped}; original headers dropped too`;
  out = { key: m.key, value: null, headers: { ...own, [h.payloadDropped]: note } };
  return letterSize(out) <= limit ? out : { ...out, key: null };
}

/** Letters in send order, grouped so each produce request stays under `maxBytes`. */
export function chunkLetters(letters: Letter[], maxBytes: number): Letter[][] {
  const chunks: Letter[][] = [];
  let current: Letter[] = [];
  let size = REQUEST_OVERHEAD;
  for (const letter of letters) {
    const s = letterSize(letter);
    if (current.length > 0 && size + s > maxBytes) {
      chunks.push(current);
      current = [];
      size = REQUEST_OVERHEAD;
    }
    current.push(letter);
    size += s;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** Keeps the original key, bytes and headers, and adds the dlq-* headers. */
export function deadLetterMessage(record: DeadLetter, now = Date.now()): Letter {
  const m = record.message;
  const h = DEAD_LETTER_HEADERS;
  const added: Record<string, string> = {
    [h.reason]: record.reason,
    [h.stage]: record.stage,
    [h.sourceTopic]: m.topic,
    [h.sourcePartition]: String(m.partition),
    [h.sourceOffset]: m.offset,
    [h.sourceTimestamp]: m.timestamp,
    [h.failedAt]: new Date(now).toISOString(),
  };
  if (record.detail) added[h.detail] = record.detail.slice(0, 2000);
  if (record.eventId) added[h.eventId] = record.eventId;
  if (record.consumerGroup) added[h.consumerGroup] = record.consumerGroup;
  return { key: m.key, value: m.value, headers: { ...m.headers, ...added } };
}

/**
 * Publishes dead letters with acks=all, in requests under `maxBytes` (KAFKA_DEAD_LETTER_MAX_BYTES)
 * so a batch of large letters never meets the broker's MESSAGE_TOO_LARGE; a failure rejects so
 * the batch is retried, never committed.
 */
export class DeadLetterProducer extends TopicProducer {
  constructor(
    kafka: Kafka,
    topic: string,
    private readonly maxBytes = 1_000_000,
  ) {
    super(kafka, topic);
  }

  async publish(records: DeadLetter[]): Promise<void> {
    const letters = records.map((r) => fitLetter(deadLetterMessage(r), this.maxBytes));
    for (const messages of chunkLetters(letters, this.maxBytes)) await this.send(messages);
  }
}
