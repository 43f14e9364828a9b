import { createHash } from 'node:crypto';
import type { RedisConfig } from '@app/config';
import { RedisStringsRepository } from '@app/redis';
import type { GroupSample, GroupState } from '../push-group.state';
import type { PushGroupMemory } from './remote-write.push-groups';

/**
 * How long a group's series are remembered after its last push. Markers only matter while a
 * removed series is still within the 5-minute lookback, but a refused push needs the last
 * successful push time, which a daily job pushes once a day.
 */
export const GROUP_MEMORY_TTL_SECONDS = 8 * 86_400;

/** A group's state as Redis keeps it: the state itself, but families reduced to series identities. */
interface Stored extends Omit<GroupState, 'key' | 'families'> {
  /** family -> [type, [name, labels]...]: only what markers need (series identity), not values. */
  families: Record<string, [string, Array<[string, Record<string, string>]>]>;
}

export function serializeGroup(state: GroupState): string {
  const families: Stored['families'] = {};
  for (const [name, samples] of state.families)
    families[name] = [samples[0]?.type ?? 'untyped', samples.map((s) => [s.name, s.labels])];
  const { job, grouping, lastReceivedAt, exists, pushTime, pushFailureTime } = state;
  return JSON.stringify({
    job,
    grouping,
    lastReceivedAt,
    exists,
    pushTime,
    pushFailureTime,
    families,
  } satisfies Stored);
}

/** The inverse; sample values are not kept (0), nor when a family was pushed (the group's last event). */
export function deserializeGroup(key: string, text: string): GroupState | undefined {
  try {
    const s = JSON.parse(text) as Stored;
    const families = new Map<string, GroupSample[]>();
    for (const [family, [type, series]] of Object.entries(s.families)) {
      families.set(
        family,
        series.map(([name, labels]) => ({ family, type, name, labels, value: 0, pushedAt: s.lastReceivedAt })),
      );
    }
    return {
      key,
      job: s.job,
      grouping: s.grouping,
      lastReceivedAt: s.lastReceivedAt,
      exists: s.exists,
      pushTime: s.pushTime,
      pushFailureTime: s.pushFailureTime,
      families,
    };
  } catch {
    return undefined;
  }
}

/**
 * Group states in Redis: `<REDIS_KEY_PREFIX>:remote_write:push-group:<sha256 of the group key>`,
 * one JSON string per group with a TTL. Fails fast (no offline queue): an unreachable Redis
 * costs markers, never a batch.
 */
export class RedisPushGroupMemory implements PushGroupMemory {
  private readonly strings: RedisStringsRepository;
  private readonly prefix: string;

  constructor(
    config: RedisConfig,
    private readonly ttlSeconds = GROUP_MEMORY_TTL_SECONDS,
  ) {
    this.prefix = `${config.keyPrefix}:remote_write:push-group:`;
    this.strings = new RedisStringsRepository(config);
  }

  private key(groupKey: string): string {
    return this.prefix + createHash('sha256').update(groupKey).digest('hex');
  }

  async load(keys: string[]): Promise<Map<string, GroupState>> {
    const values = await this.strings.getMany(keys.map((k) => this.key(k)));
    const out = new Map<string, GroupState>();
    keys.forEach((k, i) => {
      const state = values[i] === null ? undefined : deserializeGroup(k, values[i] as string);
      if (state) out.set(k, state);
    });
    return out;
  }

  async save(states: GroupState[]): Promise<void> {
    await this.strings.setMany(
      states.map((state) => [this.key(state.key), serializeGroup(state)]),
      this.ttlSeconds,
    );
  }

  async close(): Promise<void> {
    await this.strings.close();
  }
}
