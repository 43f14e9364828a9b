import { Partitioners } from 'kafkajs';
import { murmur2, partitionForKey } from './murmur2';

describe('murmur2', () => {
  // The known answers of Apache Kafka's own test (clients/src/test/.../utils/UtilsTest.java, testMurmur2).
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])('hashes %j to %i like the Java client', (text, expected) => {
    expect(murmur2(Buffer.from(text))).toBe(expected);
  });

  it('places 5,000 keys of every length on the partition kafkajs places them on', () => {
    const kafkajs = Partitioners.DefaultPartitioner();
    const partitionMetadata = Array.from({ length: 12 }, (_, partitionId) => ({
      partitionId,
      leader: 0,
      partitionErrorCode: 0,
      replicas: [0],
      isr: [0],
      offlineReplicas: [],
    }));
    const disagreements: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const key = `${'é'.repeat(i % 7)}instance-${i.toString(36).repeat(1 + (i % 5))}`;
      const theirs = kafkajs({ topic: 't', partitionMetadata, message: { key, value: null } });
      if (partitionForKey(Buffer.from(key), 12) !== theirs) disagreements.push(key);
    }
    expect(disagreements).toEqual([]);
  });
});
