import type { KafkaConfig } from '@app/config';
import type { Logger } from '@app/observability';
import type { KafkaClient } from './kafka-client';
import { describeMaxMessageBytes, ensureTopics, resolveReplication } from './topics';

/**
 * The one start-up provisioning path (the API on its producer's first connection, the worker
 * pool's primary before forking). With KAFKA_PROVISION_TOPICS it resolves the replication,
 * creates what is missing and logs the replication warning and every topic's report. Either
 * way it returns the events topic's record size limit as the broker applies it (undefined when
 * unknown: a topic someone else provisions may not exist yet).
 */
export async function prepareTopics(
  kafka: KafkaClient,
  config: KafkaConfig,
  logger: Logger,
): Promise<number | undefined> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    let limit = (await describeMaxMessageBytes(admin, [config.topic]).catch(() => undefined))?.get(config.topic);
    if (!config.provisionTopics) return limit;
    const replication = await resolveReplication(admin, config);
    if (replication.warning) {
      const { factor, minInsync } = replication;
      logger.warn({ replicationFactor: factor, minInsyncReplicas: minInsync }, replication.warning);
    }
    for (const { topic, action, partitions, maxMessageBytes, warnings } of await ensureTopics(
      admin,
      config,
      replication,
    )) {
      logger.info({ topic, action, partitions, maxMessageBytes }, 'kafka topic ready');
      for (const warning of warnings) logger.warn({ topic }, warning);
      if (topic === config.topic) limit = maxMessageBytes;
    }
    return limit;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
