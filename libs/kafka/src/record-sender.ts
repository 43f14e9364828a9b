/** A message for the events topic: the key picks its partition, the value is the envelope's bytes. */
export interface OutgoingMessage {
  key: string;
  value: Buffer;
  headers?: Record<string, string>;
}

export type ProducerCompression = 'none' | 'gzip' | 'lz4' | 'zstd';

/** What a producer is built with; fixed for its life (a renewal builds another with the same). */
export interface SenderSettings {
  idempotent: boolean;
  compression: ProducerCompression;
  /** Bound on one produce request (ms). */
  requestTimeoutMs: number;
}

/**
 * One Kafka producer, whichever client library is behind it (KAFKA_PRODUCER_CLIENT). The
 * micro-batcher and the connection owner use only this, so both clients keep the same
 * guarantees: acks=all, every partition a message went to checked in the answer, a size
 * refusal told apart from a lost connection (isTooLargeError), a fresh producer id on renewal.
 */
export interface RecordSender {
  /** Resolves once the producer can send (metadata fetched; an idempotent producer has its id). */
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /** acks=all; resolves only when every partition a message went to acknowledged it, rejects otherwise. */
  send(topic: string, messages: OutgoingMessage[]): Promise<void>;
  /** One round trip to the cluster, to prove an idle connection is still there. */
  probe(): Promise<void>;
}

export type SenderFactory = (settings: SenderSettings) => RecordSender;

/** Broker refusals of a record's size: the record, not the connection, is at fault. */
const TOO_LARGE = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);

/**
 * Whether a send failed because the broker refused a record's size. kafkajs names the broker's
 * error in `type` (wrapped in `cause` by its retrier); @platformatic/kafka in `apiId`, inside
 * the `errors` of a response or aggregate error.
 */
export function isTooLargeError(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 5) return false;
  const e = err as { type?: unknown; apiId?: unknown; cause?: unknown; errors?: unknown };
  if (TOO_LARGE.has(String(e.type)) || TOO_LARGE.has(String(e.apiId))) return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => isTooLargeError(inner, depth + 1))) return true;
  return isTooLargeError(e.cause, depth + 1);
}
