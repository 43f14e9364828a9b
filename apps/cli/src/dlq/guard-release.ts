import type { HeldPartition } from '@app/pipeline';
import { createRedisClient, GuardHoldRepository } from '@app/redis';
import type { CliContext } from '../cli-context';
import { duration } from '../output/format';

/** The guard's holds in Redis, through a client closed with the command. */
export async function guardHolds(ctx: CliContext): Promise<GuardHoldRepository> {
  const redis = createRedisClient(ctx.config.redis);
  ctx.onClose(async () => redis.disconnect());
  await redis.connect();
  return new GuardHoldRepository(redis);
}

export interface ReleaseOutcome {
  group: string;
  released: HeldPartition[];
}

/**
 * `dlq release`: marks the held partitions of `group` (one, or all) released; each worker takes
 * its release at the batch's next retry and dead-letters what the guard held back. Only held
 * partitions are released, so a stray release cannot wave a later, unrelated batch through.
 */
export async function releaseHeld(
  holds: GuardHoldRepository,
  group: string,
  partition?: number,
): Promise<ReleaseOutcome> {
  const held = (await holds.held(group)).filter((h) => partition === undefined || h.partition === partition);
  for (const h of held) await holds.release(h.group, h.topic, h.partition);
  return { group, released: held };
}

export function renderRelease(o: ReleaseOutcome, partition?: number): string {
  if (o.released.length === 0) {
    const which = partition === undefined ? 'no partition' : `partition ${partition}`;
    return `nothing to release: ${which} of group ${o.group} is held by the dead-letter guard`;
  }
  const lines = o.released.map(
    (h) =>
      `released ${h.topic} partition ${h.partition} of ${h.group} ` +
      `(batch at offset ${h.offset}: ${h.letters} of ${h.size} to dead-letter)`,
  );
  return [...lines, 'the workers dead-letter the held batches at their next retry (within WORKER_RETRY_MAX_MS)'].join(
    '\n',
  );
}

/** One line per held partition, for `usage-stats status`. */
export function renderHeld(held: HeldPartition[], now = Date.now()): string {
  if (held.length === 0) return 'held by the dead-letter guard: none';
  const head =
    'held by the dead-letter guard ' +
    '(fix the deployment, or release with `usage-stats dlq release --group <group> --partition <p>`):';
  return [
    head,
    ...held.map(
      (h) =>
        `  ${h.group} partition ${h.partition}: ${h.letters} of ${h.size} messages ` +
        `at offset ${h.offset} would be dead-lettered, held for ${duration(now - h.since)}`,
    ),
  ].join('\n');
}
