import type { Config } from '@app/config';
import type { Logger } from '@app/observability';
import { ProducerConnection, ProducerState, errorSummary } from './producer-connection';
import { isTooLargeError, OutgoingMessage, ProducerCompression, SenderFactory } from './record-sender';

export type UnavailableReason = 'not_connected' | 'timeout' | 'send_failed' | 'overloaded' | 'closing';

/** Kafka cannot take the messages now; the caller answers 503 with Retry-After. Nothing was acknowledged. */
export class KafkaUnavailableError extends Error {
  override readonly name = 'KafkaUnavailableError';
  constructor(
    readonly reason: UnavailableReason,
    message: string,
  ) {
    super(message);
  }
}

/**
 * One request's records cannot fit the topic's record size limit; the caller answers 413.
 * Only that request fails: its neighbours in the micro-batch are sent without it.
 */
export class RecordTooLargeError extends Error {
  override readonly name = 'RecordTooLargeError';
  constructor(
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`the request is ${bytes} bytes once enveloped; the event store takes at most ${limit}`);
  }
}

/**
 * Bytes a request can take in one record batch: every record with its key, headers and
 * per-record framing, plus the batch header (all of a request's records may share a partition).
 */
const RECORD_OVERHEAD = 64;
const BATCH_OVERHEAD = 128;
export function requestBytes(messages: OutgoingMessage[]): number {
  let bytes = BATCH_OVERHEAD;
  for (const m of messages) {
    bytes += RECORD_OVERHEAD + m.value.length + Buffer.byteLength(m.key);
    for (const [k, v] of Object.entries(m.headers ?? {})) bytes += 8 + Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  return bytes;
}

export interface BatchReport {
  messages: number;
  bytes: number;
  durationMs: number;
  ok: boolean;
}

export interface BatchingProducerOptions {
  topic: string;
  /** Longest a message waits for company before a batch goes out (ms). */
  lingerMs: number;
  maxBatchMessages: number;
  maxBatchBytes: number;
  /** The topic's max.message.bytes: a request above it fails alone with RecordTooLargeError. */
  maxRecordBytes: number;
  /** Messages waiting (queued or in flight) beyond which new sends fail fast. */
  maxQueuedMessages: number;
  /** A request not acknowledged within this bound fails (ms). */
  ackTimeoutMs: number;
  compression: ProducerCompression;
  idempotent: boolean;
  /** Batches sent concurrently; forced to 1 for the idempotent producer (one request in flight keeps its order). */
  maxInFlight?: number;
  probeIntervalMs?: number;
  logger: Logger;
  onFirstConnect?: () => Promise<void>;
  onBatch?: (report: BatchReport) => void;
  onStateChange?: (state: ProducerState) => void;
}

interface Pending {
  messages: OutgoingMessage[];
  bytes: number;
  settled: boolean;
  timer?: NodeJS.Timeout;
  resolve(): void;
  reject(err: KafkaUnavailableError | RecordTooLargeError): void;
}

/** The producer settings every publisher to the events topic takes from the configuration (API, collector). */
export function eventsProducerSettings(
  config: Config,
): Pick<
  BatchingProducerOptions,
  | 'topic'
  | 'lingerMs'
  | 'maxBatchMessages'
  | 'maxBatchBytes'
  | 'maxRecordBytes'
  | 'maxQueuedMessages'
  | 'ackTimeoutMs'
  | 'compression'
  | 'idempotent'
  | 'maxInFlight'
> {
  const { ingest, kafka } = config;
  return {
    topic: kafka.topic,
    lingerMs: ingest.producerLingerMs,
    maxBatchMessages: ingest.producerBatchMessages,
    maxBatchBytes: ingest.producerBatchBytes,
    maxRecordBytes: kafka.maxMessageBytes,
    maxQueuedMessages: ingest.producerMaxQueued,
    ackTimeoutMs: kafka.ackTimeoutMs,
    compression: kafka.compression,
    idempotent: ingest.producerIdempotent,
    maxInFlight: ingest.producerMaxInFlight,
  };
}

/**
 * kafkajs has no producer linger, so this micro-batcher (used with either client) collects the
 * messages of concurrent requests and sends them in one produce (acks=-1) per flush: when `maxBatchMessages`
 * or `maxBatchBytes` is reached, `lingerMs` after the first queued message, or as soon as
 * the previous batch is acknowledged. A request's promise settles only with its batch's
 * acknowledgement (or fails by the ack timeout), and a request is never split across batches.
 */
export class BatchingProducer {
  private readonly connection: ProducerConnection;
  private queue: Pending[] = [];
  private queuedMessages = 0;
  private queuedBytes = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly maxInFlight: number;
  private lingerTimer?: NodeJS.Timeout;
  private closing = false;
  private maxRecordBytes: number;

  constructor(
    senders: SenderFactory,
    private readonly options: BatchingProducerOptions,
  ) {
    this.maxRecordBytes = options.maxRecordBytes;
    this.maxInFlight = options.idempotent ? 1 : Math.max(1, options.maxInFlight ?? 1);
    const { idempotent, compression, ackTimeoutMs: requestTimeoutMs } = options;
    this.connection = new ProducerConnection({
      newSender: () => senders({ idempotent, compression, requestTimeoutMs }),
      attemptTimeoutMs: Math.min(options.ackTimeoutMs, 5000),
      probeIntervalMs: options.probeIntervalMs ?? 2000,
      logger: options.logger,
      onFirstConnect: options.onFirstConnect,
      onStateChange: (state) => {
        if (state !== 'ready') this.failQueued(new KafkaUnavailableError('not_connected', `kafka producer ${state}`));
        options.onStateChange?.(state);
      },
    });
  }

  get state(): ProducerState {
    return this.connection.state;
  }

  get isReady(): boolean {
    return this.connection.state === 'ready' && !this.closing;
  }

  start(): void {
    this.connection.start();
  }

  /** The topic's actual limit, once known from the broker (it may be lower than configured). */
  setMaxRecordBytes(bytes: number): void {
    this.maxRecordBytes = bytes;
  }

  /** Batches stay under the record limit too: one partition's share of a batch is one record batch. */
  private get maxBatchBytes(): number {
    return Math.min(this.options.maxBatchBytes, this.maxRecordBytes);
  }

  /**
   * Resolves once Kafka has acknowledged every message (acks=-1); rejects with KafkaUnavailableError,
   * or RecordTooLargeError when the request cannot fit the topic (checked before anything is sent).
   */
  send(messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    const bytes = requestBytes(messages);
    if (bytes > this.maxRecordBytes) return Promise.reject(new RecordTooLargeError(bytes, this.maxRecordBytes));
    if (this.closing) return Promise.reject(new KafkaUnavailableError('closing', 'shutting down'));
    if (!this.connection.ready)
      return Promise.reject(new KafkaUnavailableError('not_connected', 'kafka is not connected'));
    if (this.queuedMessages + messages.length > this.options.maxQueuedMessages) {
      return Promise.reject(new KafkaUnavailableError('overloaded', 'too many messages waiting for kafka'));
    }
    return new Promise<void>((resolve, reject) => {
      const pending: Pending = { messages, bytes, settled: false, resolve, reject };
      pending.timer = setTimeout(
        () => this.settle(pending, new KafkaUnavailableError('timeout', 'kafka did not acknowledge in time')),
        this.options.ackTimeoutMs,
      );
      this.queue.push(pending);
      this.queuedMessages += messages.length;
      this.queuedBytes += bytes;
      this.schedule();
    });
  }

  /** Stops taking messages, sends what is queued, waits for the acknowledgements, disconnects. */
  async close(timeoutMs = 10_000): Promise<void> {
    this.closing = true;
    const deadline = Date.now() + timeoutMs;
    while ((this.queue.length > 0 || this.inFlight.size > 0) && Date.now() < deadline && this.connection.ready) {
      if (this.inFlight.size < this.maxInFlight) this.flush();
      await Promise.race([
        ...this.inFlight,
        new Promise((r) => setTimeout(r, Math.max(1, deadline - Date.now())).unref()),
      ]);
    }
    this.failQueued(new KafkaUnavailableError('closing', 'shutting down'));
    clearTimeout(this.lingerTimer);
    await this.connection.close();
  }

  private schedule(): void {
    if (this.inFlight.size >= this.maxInFlight) return; // an acknowledgement triggers the next flush
    if (
      this.queuedMessages >= this.options.maxBatchMessages ||
      this.queuedBytes >= this.maxBatchBytes ||
      this.options.lingerMs === 0
    ) {
      this.flush();
    } else {
      this.lingerTimer ??= setTimeout(() => this.flush(), this.options.lingerMs);
    }
  }

  private flush(): void {
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    const batch = this.take();
    if (batch.length === 0) return;
    const sending: Promise<void> = this.sendBatch(batch).finally(() => {
      this.inFlight.delete(sending);
      if (this.queue.length > 0 && this.inFlight.size < this.maxInFlight) this.flush();
    });
    this.inFlight.add(sending);
  }

  /** Whole requests, oldest first, up to the batch bounds (at least one; a request above them goes alone). */
  private take(): Pending[] {
    const batch: Pending[] = [];
    let messages = 0;
    let bytes = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0];
      if (
        !next.settled &&
        batch.length > 0 &&
        (messages + next.messages.length > this.options.maxBatchMessages || bytes + next.bytes > this.maxBatchBytes)
      )
        break;
      this.queue.shift();
      this.queuedMessages -= next.messages.length;
      this.queuedBytes -= next.bytes;
      if (next.settled) continue; // timed out while queued: its client already has a 503
      batch.push(next);
      messages += next.messages.length;
      bytes += next.bytes;
    }
    return batch;
  }

  private async sendBatch(batch: Pending[]): Promise<void> {
    const producer = this.connection.ready;
    const messages = batch.flatMap((p) => p.messages);
    const bytes = batch.reduce((n, p) => n + p.bytes, 0);
    const started = Date.now();
    if (!producer) {
      batch.forEach((p) => this.settle(p, new KafkaUnavailableError('not_connected', 'kafka is not connected')));
      return;
    }
    try {
      // A partition missing from the answer fails the batch like any send error: 503s, a fresh producer, the clients resend.
      await producer.send(this.options.topic, messages);
      this.connection.markSuccess();
      batch.forEach((p) => this.settle(p));
      this.options.onBatch?.({ messages: messages.length, bytes, durationMs: Date.now() - started, ok: true });
    } catch (err) {
      this.options.onBatch?.({ messages: messages.length, bytes, durationMs: Date.now() - started, ok: false });
      if (isTooLargeError(err)) {
        await this.isolateTooLarge(batch);
        return;
      }
      this.options.logger.warn({ err: errorSummary(err), messages: messages.length }, 'kafka batch failed');
      batch.forEach((p) => this.settle(p, new KafkaUnavailableError('send_failed', 'kafka rejected the batch')));
      this.connection.markFailed(err);
    }
  }

  /**
   * The broker refused a record's size (its limit is below ours, e.g. lowered by hand): the
   * connection is fine, so requests already waiting stay queued; each request of the batch is
   * retried alone and only the ones still refused fail, with 413. Other partitions of the
   * refused produce request may have been written: their retry is a duplicate the event id
   * dedupes, and the idempotent producer is renewed first so no sequence number is reused.
   */
  private async isolateTooLarge(batch: Pending[]): Promise<void> {
    if (this.options.idempotent && !(await this.connection.renew())) {
      batch.forEach((p) => this.settle(p, new KafkaUnavailableError('send_failed', 'kafka rejected the batch')));
      return;
    }
    if (batch.length === 1) {
      const { bytes } = batch[0];
      this.options.logger.warn({ bytes, limit: this.maxRecordBytes }, 'kafka refused a request as too large');
      this.settle(batch[0], new RecordTooLargeError(batch[0].bytes, Math.min(this.maxRecordBytes, batch[0].bytes - 1)));
      return;
    }
    for (const pending of batch) {
      if (!pending.settled) await this.sendBatch([pending]);
    }
  }

  private settle(pending: Pending, err?: KafkaUnavailableError | RecordTooLargeError): void {
    if (pending.settled) return;
    pending.settled = true;
    clearTimeout(pending.timer);
    if (err) pending.reject(err);
    else pending.resolve();
  }

  private failQueued(err: KafkaUnavailableError): void {
    const queued = this.queue;
    this.queue = [];
    this.queuedMessages = 0;
    this.queuedBytes = 0;
    queued.forEach((p) => this.settle(p, err));
  }
}

export type { ProducerState } from './producer-connection';
