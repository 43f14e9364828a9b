import { AggregatorRegistry } from 'prom-client';
import type { Config } from '@app/config';
import { createKafka, DeadLetterProducer, retryUntil } from '@app/kafka';
import { createMetricsRegistry, Logger } from '@app/observability';
import { loadPipelineSettings, PipelineMetrics } from '@app/pipeline';
import { connectRedis, createRedisClient, pingRedis } from '@app/redis';
import { ChildStatus, STATUS_MESSAGE, StatusMessage } from '../worker-messages';
import { StoreConsumer } from './store-consumer';

const STATUS_INTERVAL_MS = 1_000;

/**
 * One consumer process: one consumer and pipeline per configured store, a shared dead-letter
 * producer and Redis client, metrics served through the primary, a status report every second.
 */
export async function runChild(config: Config, parent: Logger): Promise<void> {
  const logger = parent.child({ pid: process.pid });
  const settings = loadPipelineSettings(config);
  const registry = createMetricsRegistry();
  AggregatorRegistry.setRegistries([registry]);
  new AggregatorRegistry(); // answers the primary's metric requests over IPC
  const metrics = new PipelineMetrics(registry);
  const kafka = createKafka(config.kafka, logger, `-worker-${process.pid}`);
  const deadLetters = new DeadLetterProducer(kafka, config.kafka.deadLetterTopic, config.kafka.deadLetterMaxBytes);
  const redis = config.redis.dedupeEnabled ? createRedisClient(config.redis) : undefined;

  let shuttingDown = false;
  const consumers = await Promise.all(
    config.worker.storageTypes.map((type) =>
      StoreConsumer.create(type, {
        config,
        settings,
        kafka,
        deadLetters,
        redis,
        metrics,
        logger,
        onFatal: (err) => {
          logger.error({ err: (err as Error)?.message }, 'consumer crashed; exiting to be restarted');
          process.exit(1);
        },
      }),
    ),
  );

  const shutdown = async (why: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ why }, 'consumer process stopping');
    setTimeout(() => process.exit(1), config.worker.shutdownTimeoutMs).unref();
    await Promise.all(consumers.map((c) => c.stop()));
    await deadLetters.disconnect().catch(() => undefined);
    redis?.disconnect();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  // The primary is gone (killed): do not linger as an orphan consumer.
  process.on('disconnect', () => void shutdown('primary gone'));

  // One report at a time: with the store down a health check can take the connect timeout.
  let reporting = false;
  const reporter = setInterval(() => {
    if (reporting) return;
    reporting = true;
    void report().finally(() => (reporting = false));
  }, STATUS_INTERVAL_MS);
  const report = async () => {
    if (shuttingDown || !process.connected) return;
    const stores = await Promise.all(consumers.map((c) => c.status()));
    const redisOk = redis ? await pingRedis(redis) : null;
    const status: ChildStatus = {
      pid: process.pid,
      redisOk,
      stores,
      ready: stores.every((s) => s.joined && s.storeOk) && redisOk !== false,
    };
    if (process.connected) process.send?.({ type: STATUS_MESSAGE, status } satisfies StatusMessage);
  };
  reporter.unref();

  if (redis) await connectRedis(redis);
  const { retryInitialMs: initialMs, retryMaxMs: maxMs } = config.worker;
  await retryUntil(() => deadLetters.connect(), {
    initialMs,
    maxMs,
    stopped: () => shuttingDown,
    onError: (err, attempt) =>
      logger.warn({ err: (err as Error).message, attempt }, 'dead-letter producer cannot connect; retrying'),
  });
  await Promise.all(consumers.map((c) => c.start()));
  logger.info({ stores: consumers.map((c) => c.group) }, 'consumer process running');
}
