import Redis from 'ioredis';
import type { HeldPartition } from '@app/pipeline';
import { GuardHoldRepository } from '@app/redis';
import { releaseHeld } from '../../apps/cli/src/dlq/guard-release';
import { randomName } from '../support/apps';
import { sharedStack } from '../support/services';

/** The guard's holds and an operator's releases in the real Redis, under a prefix of their own. */
describe('GuardHoldRepository and `dlq release` (real Redis)', () => {
  const prefix = randomName('guard-test');
  const redis = new Redis({ host: sharedStack.redis.host, port: sharedStack.redis.port, lazyConnect: true });
  const holds = new GuardHoldRepository(redis, prefix);
  const held = (group: string, partition: number): HeldPartition => ({
    group,
    topic: 'events',
    partition,
    offset: '42',
    size: 20,
    letters: 20,
    since: 1_700_000_000_000,
  });

  beforeAll(() => redis.connect());
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('lists holds per group, releases only held partitions, and clears hold and release together', async () => {
    await Promise.all([
      holds.hold(held('g-postgres', 0)),
      holds.hold(held('g-postgres', 3)),
      holds.hold(held('other-postgres', 0)),
    ]);
    expect((await holds.held('g-postgres')).map((h) => h.partition)).toEqual([0, 3]);
    expect(await redis.ttl(`${prefix}:held:g-postgres:events:3`)).toBeGreaterThan(200);

    expect(await releaseHeld(holds, 'g-postgres', 5)).toEqual({ group: 'g-postgres', released: [] });
    expect(await holds.isReleased('g-postgres', 'events', 5)).toBe(false);

    const all = await releaseHeld(holds, 'g-postgres');
    expect(all.released.map((h) => h.partition)).toEqual([0, 3]);
    expect(await redis.ttl(`${prefix}:release:g-postgres:events:0`)).toBeGreaterThan(3500);
    expect(await holds.isReleased('g-postgres', 'events', 0)).toBe(true);
    expect(await holds.isReleased('other-postgres', 'events', 0)).toBe(false);

    // The released batch is done: hold and release go together.
    await holds.clear('g-postgres', 'events', 0);
    expect(await holds.isReleased('g-postgres', 'events', 0)).toBe(false);
    expect((await holds.held()).map((h) => `${h.group}/${h.partition}`)).toEqual(['g-postgres/3', 'other-postgres/0']);
  });
});
