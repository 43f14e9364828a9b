import {
  decodeRecovery,
  letterKey,
  PartitionRange,
  readRangesOnce,
  recoveryTopicOf,
  RecoveryRecord,
} from '@app/kafka/admin';
import type { CliContext } from '../cli-context';
import { DeadLetterView, viewOf } from './dead-letter-view';

async function exists(ctx: CliContext, topic: string): Promise<boolean> {
  return (await ctx.admin()).hasTopic(topic);
}

/** Reads ranges of a topic once, through a throwaway group. */
async function readAll(
  ctx: CliContext,
  topic: string,
  ranges: PartitionRange[],
  purpose: string,
  onMessage: Parameters<typeof readRangesOnce>[3],
): Promise<void> {
  await readRangesOnce(
    ctx.kafka,
    { groupId: ctx.groupName(purpose), topic, maxWaitTimeMs: 100 },
    ranges,
    onMessage,
    ctx.logger,
  );
}

/** Every dead letter present now (or since `sinceMs`, by the time it was dead-lettered), in topic order. */
export async function readDeadLetters(ctx: CliContext, sinceMs?: number): Promise<DeadLetterView[]> {
  const topic = ctx.config.kafka.deadLetterTopic;
  if (!(await exists(ctx, topic))) return [];
  const admin = await ctx.admin();
  const ranges =
    sinceMs === undefined
      ? (await admin.watermarks(topic)).map((w) => ({ partition: w.partition, start: w.low, end: w.high }))
      : await admin.offsetsForRange(topic, sinceMs);
  const letters: DeadLetterView[] = [];
  await readAll(ctx, topic, ranges, 'dlq-read', async (b) => {
    letters.push(...b.messages.map(viewOf));
  });
  return letters.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}

/** The dead letter at a position, or undefined when that position holds none. */
export async function readDeadLetter(
  ctx: CliContext,
  partition: number,
  offset: string,
): Promise<DeadLetterView | undefined> {
  const topic = ctx.config.kafka.deadLetterTopic;
  if (!(await exists(ctx, topic))) return undefined;
  const mark = (await (await ctx.admin()).watermarks(topic)).find((w) => w.partition === partition);
  if (!mark || BigInt(offset) < BigInt(mark.low) || BigInt(offset) >= BigInt(mark.high)) return undefined;
  let found: DeadLetterView | undefined;
  await readAll(ctx, topic, [{ partition, start: offset, end: String(BigInt(offset) + 1n) }], 'dlq-show', async (b) => {
    found = viewOf(b.messages[0]);
  });
  return found;
}

/** The recovery log, latest record per letter. */
export async function readRecoveries(ctx: CliContext): Promise<Map<string, RecoveryRecord>> {
  const topic = recoveryTopicOf(ctx.config.kafka.deadLetterTopic);
  const out = new Map<string, RecoveryRecord>();
  if (!(await exists(ctx, topic))) return out;
  const ranges = (await (await ctx.admin()).watermarks(topic)).map((w) => ({
    partition: w.partition,
    start: w.low,
    end: w.high,
  }));
  await readAll(ctx, topic, ranges, 'dlq-recovered', async (b) => {
    for (const m of b.messages) {
      const record = decodeRecovery(m);
      if (record) out.set(letterKey(record.partition, record.offset), record);
    }
  });
  return out;
}
