import pino from 'pino';
import { Admin, Partitioners } from 'kafkajs';
import type { ConsumedMessage } from '@app/contracts';
import {
  offsetsForRange,
  PartitionRange,
  RangeReader,
  rangeSize,
  readRangesOnce,
  topicRetentionMs,
  topicWatermarks,
} from '@app/kafka/admin';
import { randomName } from '../support/apps';
import { createTopics, deleteTopics, kafkaClient } from '../support/pipeline-harness';

const logger = pino({ level: 'silent' });

describe('range reader and offsets-for-timestamps (real Kafka)', () => {
  const kafka = kafkaClient();
  const topic = randomName('cli-range');
  let admin: Admin;
  // Three time slices of 30 messages each over 3 partitions, with explicit timestamps.
  const t0 = Date.now() - 3 * 3_600_000;
  const slice = (i: number) => t0 + i * 3_600_000;

  beforeAll(async () => {
    await createTopics(kafka, [{ topic, partitions: 3 }]);
    admin = kafka.admin();
    await admin.connect();
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    for (let s = 0; s < 3; s++) {
      const messages = Array.from({ length: 30 }, (_, i) => ({
        key: `k${i}`,
        value: `s${s}-${i}`,
        partition: i % 3,
        timestamp: String(slice(s) + i),
      }));
      await producer.send({ topic, acks: -1, messages });
    }
    await producer.disconnect();
  });
  afterAll(async () => {
    await admin?.disconnect();
    await deleteTopics(kafka, [topic]);
  });

  it('finds the offsets of a time range per partition', async () => {
    const middle = await offsetsForRange(admin, topic, slice(1), slice(2));
    expect(middle).toEqual([0, 1, 2].map((partition) => ({ partition, start: '10', end: '20' })));
    const open = await offsetsForRange(admin, topic, slice(1));
    expect(rangeSize(open)).toBe(60);
    const marks = await topicWatermarks(admin, topic);
    expect(marks.map((m) => [m.low, m.high])).toEqual([
      ['0', '30'],
      ['0', '30'],
      ['0', '30'],
    ]);
    expect(await topicRetentionMs(admin, topic)).toBe(168 * 3_600_000);
  });

  it('reads exactly the range (not what follows it) and resumes from its commits', async () => {
    const group = randomName('cli-range-group');
    const ranges: PartitionRange[] = [
      { partition: 0, start: '5', end: '25' },
      { partition: 1, start: '0', end: '0' },
      { partition: 2, start: '28', end: '30' },
    ];
    const seen: ConsumedMessage[] = [];
    const reader = new RangeReader(kafka, { groupId: group, topic, maxBytesPerPartition: 200 }, logger);
    await reader.start();
    await reader.commit(ranges.map((r) => ({ partition: r.partition, offset: r.start, metadata: `end=${r.end}` })));
    // Fail on the first batch past offset 10 of partition 0: what was handled before stays committed.
    await expect(
      reader.read(
        ranges,
        async (b) => {
          if (b.partition === 0 && Number(b.messages[0].offset) >= 10) throw new Error('boom');
          seen.push(...b.messages);
        },
        { commitMetadata: (p) => `end=${ranges.find((r) => r.partition === p)!.end}` },
      ),
    ).rejects.toThrow('boom');
    await reader.stop();

    const committed = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    const p0 = committed[0].partitions.find((p) => p.partition === 0)!;
    expect(Number(p0.offset)).toBeGreaterThan(5);
    expect(Number(p0.offset)).toBeLessThanOrEqual(10);
    expect(p0.metadata).toBe('end=25');

    const resumed = ranges.map((r) => {
      const c = committed[0].partitions.find((p) => p.partition === r.partition)!;
      return { ...r, start: c.offset };
    });
    const again: ConsumedMessage[] = [];
    await readRangesOnce(
      kafka,
      { groupId: group, topic, maxBytesPerPartition: 200 },
      resumed,
      async (b) => {
        again.push(...b.messages);
      },
      logger,
    );
    const all = [...seen, ...again].filter((m) => m.partition === 0).map((m) => Number(m.offset));
    expect([...new Set(all)].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 5));
    expect([...seen, ...again].filter((m) => m.partition === 2).map((m) => m.offset)).toEqual(['28', '29']);
    expect([...seen, ...again].some((m) => m.partition === 1)).toBe(false);
    const groups = await admin.listGroups();
    expect(groups.groups.map((g) => g.groupId)).not.toContain(group);
  });
});
