import Redis from 'ioredis';
import type { RedisConfig } from '@app/config';
import type { DedupeIndex } from './dedupe.step';

/**
 * A client that fails fast instead of queueing: with Redis down, commands reject at once and
 * the pipeline carries on without dedupe while ioredis reconnects in the background.
 */
export function createRedisClient(config: RedisConfig): Redis {
  const redis = new Redis({
    host: config.host, port: config.port, password: config.password, db: config.db,
    lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 2000,
    commandTimeout: config.commandTimeoutMs, retryStrategy: (times) => Math.min(200 * times, 2000),
  });
  // Connection errors surface as rejected commands; without a listener they would crash the process.
  redis.on('error', () => undefined);
  return redis;
}

/** Dedupe marks in Redis: `<prefix>:<store>:<event id>`, one namespace per store so stores never hide events from each other. */
export class RedisDedupeRepository implements DedupeIndex {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly namespace: string,
    private readonly ttlSeconds: number,
  ) {}

  private key(id: string): string {
    return `${this.prefix}:${this.namespace}:${id}`;
  }

  async seen(ids: string[]): Promise<boolean[]> {
    const values = await this.redis.mget(ids.map((id) => this.key(id)));
    return values.map((v) => v !== null);
  }

  async mark(ids: string[]): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.set(this.key(id), '1', 'EX', this.ttlSeconds, 'NX');
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([err]) => err);
    if (failed) throw failed[0];
  }
}

/** Connects if it can; an unreachable Redis at start is not fatal (the store dedupes). */
export async function connectRedis(redis: Redis): Promise<void> {
  await redis.connect().catch(() => undefined);
}

export async function pingRedis(redis: Redis): Promise<boolean> {
  return redis.ping().then((r) => r === 'PONG', () => false);
}
