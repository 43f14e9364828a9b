/**
 * One record of the events topic as plain data. The Kafka consumer and a replay both produce
 * these, so the pipeline never depends on a client library's batch types.
 */
export interface PipelineMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | string | Array<Buffer | string> | undefined>;
  timestamp: string;
}

/** The next offset to read of one partition. */
export interface CommitOffset {
  topic: string;
  partition: number;
  offset: string;
}

/** For each topic-partition in the batch, the offset after its last message. */
export function nextOffsets(messages: readonly PipelineMessage[]): CommitOffset[] {
  const last = new Map<string, CommitOffset>();
  for (const m of messages) {
    const k = `${m.topic}\u0000${m.partition}`;
    const next = (BigInt(m.offset) + 1n).toString();
    const seen = last.get(k);
    if (!seen || BigInt(next) > BigInt(seen.offset)) last.set(k, { topic: m.topic, partition: m.partition, offset: next });
  }
  return [...last.values()];
}
