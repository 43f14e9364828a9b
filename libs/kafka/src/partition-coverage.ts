import { ICustomPartitioner, Message, Partitioners, RecordMetadata } from 'kafkajs';

/**
 * kafkajs 2.2.4 can report a send as done when part of it was never written: when a produce
 * request fails and the retry finds a partition's leader moved to a broker that had already
 * answered, it sends that partition nowhere and still resolves (kafkajs issue #1303). Seen in
 * the fault matrix's 3-broker cluster as acknowledged events missing from the topic. So every
 * send is checked against the partitions its messages went to; a gap fails the send, and the
 * caller's retry (a resent event keeps its id) is deduplicated downstream.
 */
export class PartialAcknowledgementError extends Error {
  override readonly name = 'PartialAcknowledgementError';
  constructor(
    readonly topic: string,
    readonly partitions: number[],
  ) {
    super(`kafka acknowledged the send without partitions ${partitions.join(', ')} of ${topic}`);
  }
}

/** The partition kafkajs last chose for each message (it chooses again on every retry of a send). */
const chosenPartition = new WeakMap<Message, number>();

/** kafkajs's default partitioner, remembering each choice so the send's answer can be checked. */
export const recordingPartitioner: ICustomPartitioner = () => {
  const choose = Partitioners.DefaultPartitioner();
  return (args) => {
    const partition = choose(args);
    chosenPartition.set(args.message, partition);
    return partition;
  };
};

/**
 * Partitions of `topic` that some message went to but the acknowledgement does not list without
 * an error. A message whose partition is unknown counts as unacknowledged (-1): better a retry
 * than a loss.
 */
export function unacknowledgedPartitions<M extends Message>(
  topic: string,
  messages: readonly M[],
  acknowledged: readonly Pick<RecordMetadata, 'topicName' | 'partition' | 'errorCode'>[],
  partitionOf: (message: M) => number | undefined = (m) => chosenPartition.get(m),
): number[] {
  const written = new Set(
    acknowledged.filter((a) => a.topicName === topic && a.errorCode === 0).map((a) => a.partition),
  );
  const missing = new Set<number>();
  for (const message of messages) {
    const partition = partitionOf(message) ?? -1;
    if (!written.has(partition)) missing.add(partition);
  }
  return [...missing].sort((a, b) => a - b);
}

/**
 * Throws PartialAcknowledgementError unless every message's partition is acknowledged. By
 * default a message's partition is the one recordingPartitioner chose for it.
 */
export function assertAcknowledged<M extends Message>(
  topic: string,
  messages: readonly M[],
  acknowledged: readonly Pick<RecordMetadata, 'topicName' | 'partition' | 'errorCode'>[],
  partitionOf?: (message: M) => number | undefined,
): void {
  const missing = unacknowledgedPartitions(topic, messages, acknowledged, partitionOf);
  if (missing.length > 0) throw new PartialAcknowledgementError(topic, missing);
}
