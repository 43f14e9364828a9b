import { Admin, ITopicConfig } from 'kafkajs';
import type { KafkaConfig } from '@app/config';

const HOUR_MS = 3_600_000;

export interface TopicPlan {
  topic: string;
  numPartitions: number;
  replicationFactor: number;
  configEntries: Array<{ name: string; value: string }>;
}

/**
 * The events topic's retention is the product's replay window; the dead-letter topic keeps
 * its messages exactly as long: as long as an operator needs to look, and no longer than the
 * raw events themselves are kept (letters may hold sealed personal data, docs/privacy.md).
 */
export function topicPlan(config: KafkaConfig): TopicPlan[] {
  const retention = String(config.retentionHours * HOUR_MS);
  const entries = [
    { name: 'retention.ms', value: retention },
    { name: 'cleanup.policy', value: 'delete' },
    { name: 'message.timestamp.type', value: 'CreateTime' },
  ];
  return [
    { topic: config.topic, numPartitions: config.partitions, replicationFactor: config.replicationFactor, configEntries: entries },
    {
      topic: config.deadLetterTopic,
      numPartitions: Math.min(config.partitions, 3),
      replicationFactor: config.replicationFactor,
      configEntries: [{ name: 'retention.ms', value: String(config.retentionHours * HOUR_MS) }, entries[1]],
    },
  ];
}

export interface TopicReport {
  topic: string;
  action: 'created' | 'exists';
  partitions: number;
  /** Differences an operator should know about (partitions are never changed automatically). */
  warnings: string[];
}

/** Creates missing topics and reports how existing ones differ from the plan. Idempotent. */
export async function ensureTopics(admin: Admin, config: KafkaConfig): Promise<TopicReport[]> {
  const plans = topicPlan(config);
  const existing = new Set(await admin.listTopics());
  const missing = plans.filter((p) => !existing.has(p.topic));
  if (missing.length > 0) {
    await admin.createTopics({ topics: missing as ITopicConfig[], waitForLeaders: true });
  }
  const metadata = await admin.fetchTopicMetadata({ topics: plans.map((p) => p.topic) });
  return plans.map((plan) => {
    const partitions = metadata.topics.find((t) => t.name === plan.topic)?.partitions.length ?? 0;
    const warnings = partitions !== plan.numPartitions
      ? [`has ${partitions} partitions, configured ${plan.numPartitions}; partitions are not changed automatically (it would move keys)`]
      : [];
    return { topic: plan.topic, action: missing.includes(plan) ? 'created' : 'exists', partitions, warnings };
  });
}
