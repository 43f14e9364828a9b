import type { CommitOffset, ConsumedMessage } from '@app/contracts';

/** For each topic-partition in the batch, the offset after its last message. */
export function nextOffsets(messages: readonly ConsumedMessage[]): CommitOffset[] {
  const last = new Map<string, CommitOffset>();
  for (const m of messages) {
    const k = `${m.topic}\u0000${m.partition}`;
    const next = (BigInt(m.offset) + 1n).toString();
    const seen = last.get(k);
    if (!seen || BigInt(next) > BigInt(seen.offset))
      last.set(k, { topic: m.topic, partition: m.partition, offset: next });
  }
  return [...last.values()];
}
