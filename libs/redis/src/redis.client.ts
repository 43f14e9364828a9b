import Redis from 'ioredis';
import type { RedisConfig } from '@app/config';

/** The ioredis client, named here so no other package imports ioredis for its type. */
export type RedisClient = Redis;

/**
 * A client that fails fast instead of queueing: with Redis down, commands reject at once and
 * the pipeline carries on without dedupe while ioredis reconnects in the background.
 */
export function createRedisClient(config: RedisConfig): RedisClient {
  const redis = new Redis({
    host: config.host,
    port: config.port,
    password: config.password,
    db: config.db,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    commandTimeout: config.commandTimeoutMs,
    retryStrategy: (times) => Math.min(200 * times, 2000),
  });
  // Connection errors surface as rejected commands; without a listener they would crash the process.
  redis.on('error', () => undefined);
  return redis;
}

/** Connects if it can; an unreachable Redis at start is not fatal (the store dedupes). */
export async function connectRedis(redis: RedisClient): Promise<void> {
  await redis.connect().catch(() => undefined);
}

export async function pingRedis(redis: RedisClient): Promise<boolean> {
  return redis.ping().then(
    (r) => r === 'PONG',
    () => false,
  );
}
