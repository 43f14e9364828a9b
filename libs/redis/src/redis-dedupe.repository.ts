import type { DedupeIndex } from '@app/pipeline';
import type { RedisClient } from './redis.client';

/**
 * Dedupe marks in Redis: `<prefix>:<store>:<event id>`, one namespace per store so stores never
 * hide events from each other.
 */
export class RedisDedupeRepository implements DedupeIndex {
  constructor(
    private readonly redis: RedisClient,
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
