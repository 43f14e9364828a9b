import { Message, PartitionMetadata, Partitioners } from 'kafkajs';
import {
  assertAcknowledged,
  PartialAcknowledgementError,
  recordingPartitioner,
  unacknowledgedPartitions,
} from './partition-coverage';

const TOPIC = 'events';
const ok = (partition: number) => ({ topicName: TOPIC, partition, errorCode: 0 });
const metadata: PartitionMetadata[] = [0, 1, 2].map((partitionId) => ({
  partitionId,
  leader: 1,
  replicas: [1],
  isr: [1],
  offlineReplicas: [],
  partitionErrorCode: 0,
}));

describe('partition coverage of a send', () => {
  const messages: Message[] = [{ value: 'a' }, { value: 'b' }, { value: 'c' }];
  const partitions = new Map<Message, number>([
    [messages[0], 0],
    [messages[1], 2],
    [messages[2], 2],
  ]);
  const partitionOf = (m: Message) => partitions.get(m);

  it('passes when every partition the messages went to is acknowledged', () => {
    expect(unacknowledgedPartitions(TOPIC, messages, [ok(2), ok(0)], partitionOf)).toEqual([]);
  });

  it('names the partitions kafkajs resolved without writing (a leader moved to a broker that had answered)', () => {
    expect(unacknowledgedPartitions(TOPIC, messages, [ok(0)], partitionOf)).toEqual([2]);
  });

  it('does not count an entry with an error code, or another topic, as written', () => {
    const acks = [
      ok(0),
      { topicName: TOPIC, partition: 2, errorCode: 6 },
      { topicName: 'other', partition: 2, errorCode: 0 },
    ];
    expect(unacknowledgedPartitions(TOPIC, messages, acks, partitionOf)).toEqual([2]);
  });

  it('counts a message whose partition is unknown as unacknowledged', () => {
    expect(unacknowledgedPartitions(TOPIC, [{ value: 'x' }], [ok(0), ok(1), ok(2)], () => undefined)).toEqual([-1]);
  });

  it('remembers the partition the default partitioner chose, so the real send is checked against it', () => {
    const reference = Partitioners.DefaultPartitioner();
    const recording = recordingPartitioner();
    const keyed: Message[] = ['instance-1', 'instance-2', 'instance-3', 'instance-4'].map((key) => ({
      key,
      value: key,
    }));
    const chosen = keyed.map((message) => recording({ topic: TOPIC, partitionMetadata: metadata, message }));
    expect(chosen).toEqual(keyed.map((message) => reference({ topic: TOPIC, partitionMetadata: metadata, message })));
    const all = [...new Set(chosen)].map(ok);
    expect(() => assertAcknowledged(TOPIC, keyed, all)).not.toThrow();
    const withoutFirst = all.filter((a) => a.partition !== chosen[0]);
    expect(() => assertAcknowledged(TOPIC, keyed, withoutFirst)).toThrow(PartialAcknowledgementError);
  });
});
