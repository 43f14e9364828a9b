import { ConsumedMessage, headerText } from '@app/contracts';
import { DEAD_LETTER_HEADERS } from '@app/kafka';
import { letterKey, RECOVERY_HEADERS, RecoveryRecord } from '@app/kafka/admin';
import { DLQ_PRIVACY_HEADERS } from '@app/pipeline';

/** One message of the dead-letter topic, its dlq-* headers read. */
export interface DeadLetterView {
  /** Position in the dead-letter topic: what `dlq show` takes. */
  partition: number;
  offset: string;
  reason: string;
  stage: string;
  detail?: string;
  sourceTopic?: string;
  sourcePartition?: number;
  sourceOffset?: string;
  sourceTimestamp?: string;
  consumerGroup?: string;
  eventId?: string;
  failedAt?: string;
  /** Times the event has been dead-lettered, this letter included. */
  attempts: number;
  message: ConsumedMessage;
}

export type LetterStatus = 'pending' | 'exhausted' | RecoveryRecord['outcome'];

export function viewOf(message: ConsumedMessage): DeadLetterView {
  const h = (name: string) => headerText(message, name);
  const H = DEAD_LETTER_HEADERS;
  const sourcePartition = h(H.sourcePartition);
  const attempts = Number(h(RECOVERY_HEADERS.attempts) ?? '1');
  return {
    partition: message.partition,
    offset: message.offset,
    reason: h(H.reason) ?? 'unknown',
    stage: h(H.stage) ?? 'unknown',
    detail: h(H.detail),
    sourceTopic: h(H.sourceTopic),
    sourcePartition: sourcePartition === undefined ? undefined : Number(sourcePartition),
    sourceOffset: h(H.sourceOffset),
    sourceTimestamp: h(H.sourceTimestamp),
    consumerGroup: h(H.consumerGroup),
    eventId: h(H.eventId),
    failedAt: h(H.failedAt),
    attempts: Number.isInteger(attempts) && attempts > 0 ? attempts : 1,
    message,
  };
}

/** What became of a letter: the recovery log's record, else pending unless it used up its attempts. */
export function statusOf(
  letter: DeadLetterView,
  recoveries: Map<string, RecoveryRecord>,
  maxAttempts: number,
): LetterStatus {
  const record = recoveries.get(letterKey(letter.partition, letter.offset));
  if (record) return record.outcome;
  return letter.attempts >= maxAttempts ? 'exhausted' : 'pending';
}

const DLQ_HEADER_NAMES = new Set<string>([
  ...Object.values(DEAD_LETTER_HEADERS),
  ...Object.values(RECOVERY_HEADERS),
  ...Object.values(DLQ_PRIVACY_HEADERS),
]);

/**
 * The event as it was on the events topic (same key, bytes, headers, position), plus the
 * attempt it is now on: if it fails again, its new dead letter carries that count.
 */
export function originalMessage(letter: DeadLetterView): ConsumedMessage {
  const m = letter.message;
  const headers: ConsumedMessage['headers'] = {};
  for (const [name, value] of Object.entries(m.headers)) if (!DLQ_HEADER_NAMES.has(name)) headers[name] = value;
  headers[RECOVERY_HEADERS.attempts] = String(letter.attempts + 1);
  headers[RECOVERY_HEADERS.replayedFrom] = letterKey(letter.partition, letter.offset);
  return {
    topic: letter.sourceTopic ?? m.topic,
    partition: letter.sourcePartition ?? m.partition,
    offset: letter.sourceOffset ?? m.offset,
    key: m.key,
    value: m.value,
    headers,
    timestamp: letter.sourceTimestamp ?? m.timestamp,
  };
}
