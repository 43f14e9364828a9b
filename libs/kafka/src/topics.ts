import { Admin, ConfigResourceTypes, ITopicConfig } from 'kafkajs';
import type { KafkaConfig } from '@app/config';

const HOUR_MS = 3_600_000;

export interface TopicPlan {
  topic: string;
  numPartitions: number;
  replicationFactor: number;
  configEntries: Array<{ name: string; value: string }>;
}

/** Copies kept of each record and how many must have it before acks=all succeeds. */
export interface Replication {
  factor: number;
  minInsync: number;
  /** Why the cluster gets less than three copies, for the start-up log. */
  warning?: string;
}

/**
 * Three copies with two in sync when the cluster has three brokers or more (acks=all then
 * survives one broker loss); on a smaller cluster as many copies as brokers, with a warning.
 * Configured values win; a factor above the broker count is refused with a clear error.
 */
export function replicationFor(
  config: Pick<KafkaConfig, 'replicationFactor' | 'minInsyncReplicas'>,
  brokers: number,
): Replication {
  const factor = config.replicationFactor ?? Math.max(1, Math.min(3, brokers));
  if (factor > brokers) {
    throw new Error(`KAFKA_REPLICATION_FACTOR=${factor} but the cluster has ${brokers} broker(s)`);
  }
  const minInsync = config.minInsyncReplicas ?? (factor >= 3 ? 2 : 1);
  if (minInsync > factor) {
    throw new Error(`KAFKA_MIN_INSYNC_REPLICAS=${minInsync} is above the replication factor ${factor}`);
  }
  const warning =
    factor < 3 || minInsync < 2
      ? `topics keep ${factor} cop${factor === 1 ? 'y' : 'ies'} (min.insync.replicas=${minInsync}) ` +
        `on ${brokers} broker(s): ` +
        "an acknowledged event is lost if that broker's disk is; use three brokers in production"
      : undefined;
  return { factor, minInsync, warning };
}

/** The cluster's broker count decides the replication defaults. */
export async function resolveReplication(admin: Admin, config: KafkaConfig): Promise<Replication> {
  const cluster = await admin.describeCluster();
  return replicationFor(config, cluster.brokers.length);
}

/**
 * The events topic's retention is the product's replay window; the dead-letter topic and its
 * recovery log keep their records exactly as long: as long as an operator needs to look, and
 * no longer than the raw events themselves are kept (letters may hold sealed personal data,
 * docs/privacy.md).
 */
export function retentionMs(config: Pick<KafkaConfig, 'retentionHours'>): number {
  return config.retentionHours * HOUR_MS;
}

/**
 * The events and dead-letter topics; both take records up to KAFKA_MAX_MESSAGE_BYTES, which
 * the API's largest accepted request fits.
 */
export function topicPlan(config: KafkaConfig, replication: Replication): TopicPlan[] {
  const retention = String(retentionMs(config));
  const shared = [
    { name: 'cleanup.policy', value: 'delete' },
    { name: 'max.message.bytes', value: String(config.maxMessageBytes) },
    { name: 'min.insync.replicas', value: String(replication.minInsync) },
  ];
  return [
    {
      topic: config.topic,
      numPartitions: config.partitions,
      replicationFactor: replication.factor,
      configEntries: [
        { name: 'retention.ms', value: retention },
        { name: 'message.timestamp.type', value: 'CreateTime' },
        ...shared,
      ],
    },
    {
      topic: config.deadLetterTopic,
      numPartitions: Math.min(config.partitions, 3),
      replicationFactor: replication.factor,
      configEntries: [{ name: 'retention.ms', value: retention }, ...shared],
    },
  ];
}

export interface TopicReport {
  topic: string;
  action: 'created' | 'exists';
  partitions: number;
  /** The topic's record size limit as the broker applies it (bytes). */
  maxMessageBytes?: number;
  /** Differences an operator should know about (partitions are never changed automatically). */
  warnings: string[];
}

/** The compacted log of recovered dead letters, keyed by the letter's position. */
export function recoveryTopicOf(deadLetterTopic: string): string {
  return `${deadLetterTopic}-recovered`;
}

/** One partition, compacted (the latest record per letter) and expiring with the letters themselves. */
export function recoveryTopicPlan(config: KafkaConfig, replication: Replication): TopicPlan {
  return {
    topic: recoveryTopicOf(config.deadLetterTopic),
    numPartitions: 1,
    replicationFactor: replication.factor,
    configEntries: [
      { name: 'min.insync.replicas', value: String(replication.minInsync) },
      { name: 'cleanup.policy', value: 'compact,delete' },
      { name: 'retention.ms', value: String(retentionMs(config)) },
    ],
  };
}

/** Creates the plans' missing topics; returns the ones it created. */
async function createMissing(admin: Admin, plans: TopicPlan[]): Promise<TopicPlan[]> {
  const existing = new Set(await admin.listTopics());
  const missing = plans.filter((p) => !existing.has(p.topic));
  if (missing.length > 0) await admin.createTopics({ topics: missing as ITopicConfig[], waitForLeaders: true });
  return missing;
}

/** The recovery log's topic (only `dlq replay` and `usage-stats topics` need it). */
export async function ensureRecoveryTopic(admin: Admin, config: KafkaConfig): Promise<TopicReport> {
  const plan = recoveryTopicPlan(config, await resolveReplication(admin, config));
  const created = await createMissing(admin, [plan]);
  return {
    topic: plan.topic,
    action: created.length > 0 ? 'created' : 'exists',
    partitions: plan.numPartitions,
    warnings: [],
  };
}

/** Creates missing topics and reports how existing ones differ from the plan. Idempotent. */
export async function ensureTopics(
  admin: Admin,
  config: KafkaConfig,
  replication?: Replication,
): Promise<TopicReport[]> {
  const plans = topicPlan(config, replication ?? (await resolveReplication(admin, config)));
  const missing = await createMissing(admin, plans);
  const metadata = await admin.fetchTopicMetadata({ topics: plans.map((p) => p.topic) });
  const limits = await describeMaxMessageBytes(
    admin,
    plans.map((p) => p.topic),
  );
  return plans.map((plan) => {
    const partitions = metadata.topics.find((t) => t.name === plan.topic)?.partitions.length ?? 0;
    const maxMessageBytes = limits.get(plan.topic);
    const warnings =
      partitions !== plan.numPartitions
        ? [
            `has ${partitions} partitions, configured ${plan.numPartitions}; partitions are not changed automatically (it would move keys)`,
          ]
        : [];
    if (maxMessageBytes !== undefined && maxMessageBytes < config.maxMessageBytes) {
      warnings.push(
        `max.message.bytes is ${maxMessageBytes}, configured ${config.maxMessageBytes}; ` +
          'larger requests get 413 (raise it with kafka-configs --alter)',
      );
    }
    const action = missing.includes(plan) ? 'created' : 'exists';
    return { topic: plan.topic, action, partitions, maxMessageBytes, warnings };
  });
}

/** Each topic's effective max.message.bytes (its own override or the broker default). */
export async function describeMaxMessageBytes(admin: Admin, topics: string[]): Promise<Map<string, number>> {
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['max.message.bytes'] })),
  });
  const limits = new Map<string, number>();
  for (const resource of described.resources) {
    const value = Number(resource.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue);
    if (Number.isFinite(value) && value > 0) limits.set(resource.resourceName, value);
  }
  return limits;
}
