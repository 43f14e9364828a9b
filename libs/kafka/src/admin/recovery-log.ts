import type { Kafka } from 'kafkajs';
import type { ConsumedMessage } from '@app/contracts';
import { TopicProducer } from '../topic-producer';

/** Headers a re-processed dead letter carries when it fails again. */
export const RECOVERY_HEADERS = {
  /** How many times the event has been dead-lettered (1 on the first letter, which lacks the header). */
  attempts: 'dlq-attempts',
  /** The `<partition>:<offset>` of the dead letter it was re-processed from. */
  replayedFrom: 'dlq-replayed-from',
} as const;

/**
 * What `dlq replay` did with one dead letter: recovered (stored), dropped (today's rules
 * filter it), failed_again (dead-lettered anew, with attempts + 1).
 */
export interface RecoveryRecord {
  partition: number;
  offset: string;
  outcome: 'recovered' | 'dropped' | 'failed_again';
  attempt: number;
  at: string;
  store?: string;
  /** failed_again: the new reason code (never the detail, which may quote the payload). */
  reason?: string;
}

export const letterKey = (partition: number, offset: string) => `${partition}:${offset}`;

export function decodeRecovery(message: Pick<ConsumedMessage, 'value'>): RecoveryRecord | undefined {
  try {
    const r = JSON.parse(message.value?.toString('utf8') ?? '') as RecoveryRecord;
    const valid = typeof r.partition === 'number' && typeof r.offset === 'string' && typeof r.outcome === 'string';
    return valid ? r : undefined;
  } catch {
    return undefined;
  }
}

/** Appends recovery records (keyed by the letter's position, so compaction keeps the latest) with acks=all. */
export class RecoveryLogProducer extends TopicProducer {
  constructor(kafka: Kafka, topic: string) {
    super(kafka, topic);
  }

  publish(records: RecoveryRecord[]): Promise<void> {
    return this.send(records.map((r) => ({ key: letterKey(r.partition, r.offset), value: JSON.stringify(r) })));
  }
}
