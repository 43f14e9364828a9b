import { Admin, ITopicConfig, Kafka, KafkaMessage, Partitioners, Producer } from 'kafkajs';
import type { KafkaConfig } from '@app/config';
import { Replication, resolveReplication, type TopicPlan, type TopicReport } from './topics';

const HOUR_MS = 3_600_000;

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

/** The compacted log of recovered dead letters, keyed by the letter's position. */
export function recoveryTopicOf(deadLetterTopic: string): string {
  return `${deadLetterTopic}-recovered`;
}

/** One partition, compacted (the latest record per letter) and expiring with the letters themselves (events retention). */
export function recoveryTopicPlan(config: KafkaConfig, replication: Replication): TopicPlan {
  return {
    topic: recoveryTopicOf(config.deadLetterTopic),
    numPartitions: 1,
    replicationFactor: replication.factor,
    configEntries: [
      { name: 'min.insync.replicas', value: String(replication.minInsync) },
      { name: 'cleanup.policy', value: 'compact,delete' },
      { name: 'retention.ms', value: String(config.retentionHours * HOUR_MS) },
    ],
  };
}

export async function ensureRecoveryTopic(admin: Admin, config: KafkaConfig): Promise<TopicReport> {
  const plan = recoveryTopicPlan(config, await resolveReplication(admin, config));
  const exists = (await admin.listTopics()).includes(plan.topic);
  if (!exists) await admin.createTopics({ topics: [plan as ITopicConfig], waitForLeaders: true });
  return { topic: plan.topic, action: exists ? 'exists' : 'created', partitions: plan.numPartitions, warnings: [] };
}

export const letterKey = (partition: number, offset: string) => `${partition}:${offset}`;

export function decodeRecovery(message: Pick<KafkaMessage, 'value'>): RecoveryRecord | undefined {
  try {
    const r = JSON.parse(message.value?.toString('utf8') ?? '') as RecoveryRecord;
    return typeof r.partition === 'number' && typeof r.offset === 'string' && typeof r.outcome === 'string' ? r : undefined;
  } catch {
    return undefined;
  }
}

/** Appends recovery records with acks=all. */
export class RecoveryLogProducer {
  private readonly producer: Producer;

  constructor(kafka: Kafka, private readonly topic: string) {
    this.producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  async publish(records: RecoveryRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.producer.send({
      topic: this.topic, acks: -1,
      messages: records.map((r) => ({ key: letterKey(r.partition, r.offset), value: JSON.stringify(r) })),
    });
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }
}
