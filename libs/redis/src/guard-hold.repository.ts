import type { GuardHolds, HeldPartition } from '@app/pipeline';
import type { RedisClient } from './redis.client';

export const GUARD_KEY_PREFIX = 'usage-stats:guard';
/** A hold is refreshed at every retry (at most WORKER_RETRY_MAX_MS apart): a stale one vanishes by itself. */
const HOLD_TTL_SECONDS = 300;
/** A release not used within this long expires, so it cannot let a later, unrelated batch through. */
export const RELEASE_TTL_SECONDS = 3600;

/**
 * Holds and releases in Redis: `<prefix>:held:<group>:<topic>:<partition>` (JSON, written by the
 * worker) and `<prefix>:release:<group>:<topic>:<partition>` (written by `usage-stats dlq
 * release`, removed with the hold once the released batch is done). Redis down: nothing is released (the hold stays), never the
 * reverse.
 */
export class GuardHoldRepository implements GuardHolds {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix = GUARD_KEY_PREFIX,
  ) {}

  private key(kind: 'held' | 'release', group: string, topic: string, partition: number): string {
    return `${this.prefix}:${kind}:${group}:${topic}:${partition}`;
  }

  async hold(h: HeldPartition): Promise<void> {
    const key = this.key('held', h.group, h.topic, h.partition);
    await this.redis.set(key, JSON.stringify(h), 'EX', HOLD_TTL_SECONDS).catch(() => undefined);
  }

  async isReleased(group: string, topic: string, partition: number): Promise<boolean> {
    return this.redis.exists(this.key('release', group, topic, partition)).then(
      (n) => n > 0,
      () => false,
    );
  }

  async clear(group: string, topic: string, partition: number): Promise<void> {
    const keys = [this.key('held', group, topic, partition), this.key('release', group, topic, partition)];
    await this.redis.del(...keys).catch(() => undefined);
  }

  async release(group: string, topic: string, partition: number): Promise<void> {
    await this.redis.set(this.key('release', group, topic, partition), String(Date.now()), 'EX', RELEASE_TTL_SECONDS);
  }

  /** Every held partition, optionally of one group. */
  async held(group?: string): Promise<HeldPartition[]> {
    const out: HeldPartition[] = [];
    const match = group === undefined ? `${this.prefix}:held:*` : `${this.prefix}:held:${group}:*`;
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', match, 'COUNT', 500);
      cursor = next;
      const values = keys.length > 0 ? await this.redis.mget(keys) : [];
      for (const v of values) if (v) out.push(JSON.parse(v) as HeldPartition);
    } while (cursor !== '0');
    return out.sort((a, b) => a.group.localeCompare(b.group) || a.partition - b.partition);
  }
}
