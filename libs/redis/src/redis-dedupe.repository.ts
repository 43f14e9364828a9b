import type { DedupeIndex } from '@app/pipeline';
import type { RedisClient } from './redis.client';

/**
 * SET <key> 1 EX <ttl> NX for each key, in one command: a pipeline of one SET per event cost
 * the worker a command object, a promise and a timeout timer per event, and ioredis's pipeline
 * callbacks were compiled again after every full collection (docs/operations.md, "Closures on
 * the hot path"). NX: a mark's window starts at the first write, as before.
 */
const MARK_SCRIPT = `for _, key in ipairs(KEYS) do redis.call('SET', key, '1', 'EX', ARGV[1], 'NX') end
return #KEYS`;
const MARK_COMMAND = 'usageStatsMarkSeen';
/** Keys per command: a batch is one command, and no call spreads more arguments than this. */
const MARK_CHUNK = 1000;

type MarkSeen = (numKeys: number, ...keysThenTtl: Array<string | number>) => Promise<number>;

/**
 * Dedupe marks in Redis: `<prefix>:<store>:<event id>`, one namespace per store so stores never
 * hide events from each other.
 */
export class RedisDedupeRepository implements DedupeIndex {
  private readonly markSeen: MarkSeen;
  /** Cleared for good once Redis refuses the script: marks are then pipelined SETs. */
  private scripted = true;

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly namespace: string,
    private readonly ttlSeconds: number,
  ) {
    // ioredis sends EVALSHA, and the script itself once after a NOSCRIPT (a restarted Redis).
    if (!(MARK_COMMAND in redis)) redis.defineCommand(MARK_COMMAND, { lua: MARK_SCRIPT });
    const command = (redis as unknown as Record<string, MarkSeen>)[MARK_COMMAND];
    this.markSeen = command.bind(redis);
  }

  private key(id: string): string {
    return `${this.prefix}:${this.namespace}:${id}`;
  }

  // Loops, not ids.map((id) => ...): closures made per batch lose their optimized code at every
  // full collection (docs/operations.md, "Closures on the hot path").
  async seen(ids: string[]): Promise<boolean[]> {
    const keys: string[] = new Array(ids.length);
    for (let i = 0; i < ids.length; i++) keys[i] = this.key(ids[i]);
    const values = await this.redis.mget(keys);
    const seen: boolean[] = new Array(values.length);
    for (let i = 0; i < values.length; i++) seen[i] = values[i] !== null;
    return seen;
  }

  async mark(ids: string[]): Promise<void> {
    for (let from = 0; from < ids.length; from += MARK_CHUNK) {
      const to = Math.min(ids.length, from + MARK_CHUNK);
      const keys: string[] = new Array(to - from);
      for (let i = from; i < to; i++) keys[i - from] = this.key(ids[i]);
      if (this.scripted) {
        try {
          await this.markSeen(keys.length, ...keys, this.ttlSeconds);
          continue;
        } catch (err) {
          if (!scriptingRefused(err)) throw err;
          this.scripted = false;
        }
      }
      await this.markEach(keys);
    }
  }

  /** One SET per key, pipelined: for a Redis that refuses scripts (EVALSHA renamed away, or an ACL without @scripting). */
  private async markEach(keys: string[]): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const key of keys) pipeline.set(key, '1', 'EX', this.ttlSeconds, 'NX');
    for (const [err] of (await pipeline.exec()) ?? []) if (err) throw err;
  }
}

function scriptingRefused(err: unknown): boolean {
  const message = String((err as Error)?.message ?? '');
  return message.startsWith('NOPERM') || /unknown command .?(evalsha|eval)\b/i.test(message);
}
