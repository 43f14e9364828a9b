import type { RedisConfig } from '@app/config';
import { createRedisClient, RedisClient } from './redis.client';

/**
 * Plain string values with a TTL, on a client of its own that connects on first use. Fails
 * fast (no offline queue): with Redis unreachable, calls reject and the caller decides.
 */
export class RedisStringsRepository {
  private readonly redis: RedisClient;
  private connecting?: Promise<void>;

  constructor(config: RedisConfig) {
    this.redis = createRedisClient(config);
  }

  private async ready(): Promise<void> {
    if (this.redis.status === 'ready') return;
    this.connecting ??= this.redis
      .connect()
      .catch(() => undefined)
      .finally(() => (this.connecting = undefined));
    await this.connecting;
  }

  /** The value of each key, null where there is none. */
  async getMany(keys: string[]): Promise<Array<string | null>> {
    await this.ready();
    return this.redis.mget(keys);
  }

  /** Sets every entry with the same TTL, in one round trip. */
  async setMany(entries: Array<[key: string, value: string]>, ttlSeconds: number): Promise<void> {
    if (entries.length === 0) return;
    await this.ready();
    const pipeline = this.redis.pipeline();
    for (const [key, value] of entries) pipeline.set(key, value, 'EX', ttlSeconds);
    await pipeline.exec();
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
