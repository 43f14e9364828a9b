import { Kafka } from 'kafkajs';
import type { ConsumedMessage } from '@app/contracts';
import { BatchConsumer, BatchConsumerOptions } from '@app/kafka';
import { createLogger } from '@app/observability';
import { randomName, waitFor } from '../support/apps';
import { createTopics, deleteTopics, kafkaClient, produce } from '../support/pipeline-harness';

const logger = createLogger({ level: 'error', format: 'json', name: 'consumer-test' });

async function committed(kafka: Kafka, groupId: string, topic: string): Promise<Record<number, string>> {
  const admin = kafka.admin();
  await admin.connect();
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  await admin.disconnect();
  return Object.fromEntries(offsets.partitions.map((p) => [p.partition, p.offset]));
}

describe('BatchConsumer (real Kafka)', () => {
  const kafka = kafkaClient();
  const topic = randomName('wk-consumer');
  const options = (groupId: string): BatchConsumerOptions => ({
    groupId,
    topic,
    fromBeginning: true,
    sessionTimeoutMs: 6000,
    heartbeatIntervalMs: 500,
    maxBytesPerPartition: 1 << 20,
    maxWaitTimeMs: 100,
    partitionsConcurrency: 1,
    retryInitialMs: 50,
    retryMaxMs: 400,
  });
  const values = (ms: ConsumedMessage[]) => ms.map((m) => m.value?.toString());

  beforeAll(async () => {
    await createTopics(kafka, [{ topic, partitions: 1 }]);
    await produce(
      kafka,
      topic,
      ['a', 'b', 'c'].map((v) => ({ key: v, value: v })),
    );
  });
  afterAll(() => deleteTopics(kafka, [topic]));

  it('commits exactly what the handler returns, only after it returns', async () => {
    const group = randomName('g');
    const seen: string[] = [];
    const consumer = new BatchConsumer(
      kafka,
      options(group),
      async (ms) => {
        seen.push(...values(ms).map(String));
        // Commit only up to "b": "c" is not done.
        return [
          { topic, partition: 0, offset: String(Number(ms.find((m) => m.value?.toString() === 'b')!.offset) + 1) },
        ];
      },
      logger,
    );
    await consumer.start();
    await waitFor(() => seen.length >= 3, 20_000);
    await waitFor(async () => (await committed(kafka, group, topic))[0] === '2', 20_000, 200, 'commit of offset 2');
    await consumer.stop();
  });

  it('retries a failing batch with capped backoff, committing nothing until it succeeds', async () => {
    const group = randomName('g');
    let storeUp = false;
    let attempts = 0;
    const retries: number[] = [];
    const consumer = new BatchConsumer(
      kafka,
      options(group),
      async (ms) => {
        attempts++;
        if (!storeUp) throw new Error('store down');
        return [{ topic, partition: 0, offset: String(Number(ms[ms.length - 1].offset) + 1) }];
      },
      logger,
      { onRetry: ({ delayMs }) => retries.push(delayMs) },
    );
    await consumer.start();
    await waitFor(() => attempts >= 6, 20_000);
    expect((await committed(kafka, group, topic))[0]).toBe('-1');
    storeUp = true;
    await waitFor(async () => (await committed(kafka, group, topic))[0] === '3', 20_000, 200, 'commit after recovery');
    expect(retries.length).toBeGreaterThanOrEqual(5);
    expect(retries.every((d) => d >= 25 && d <= 400)).toBe(true);
    expect(Math.max(...retries.slice(4))).toBeGreaterThanOrEqual(200);
    await consumer.stop();
  });

  it('abandons an in-flight batch on stop without committing; the next member gets it again', async () => {
    const group = randomName('g');
    let started = false;
    const first = new BatchConsumer(
      kafka,
      options(group),
      async () => {
        started = true;
        return new Promise<never>(() => undefined); // a write that never finishes
      },
      logger,
    );
    await first.start();
    await waitFor(() => started, 20_000);
    await first.stop();
    expect((await committed(kafka, group, topic))[0]).toBe('-1');

    const redelivered: string[] = [];
    const second = new BatchConsumer(
      kafka,
      options(group),
      async (ms) => {
        redelivered.push(...values(ms).map(String));
        return [{ topic, partition: 0, offset: String(Number(ms[ms.length - 1].offset) + 1) }];
      },
      logger,
    );
    await second.start();
    await waitFor(() => redelivered.length >= 3, 20_000);
    expect(redelivered).toEqual(['a', 'b', 'c']);
    await second.stop();
  });

  it("keeps consuming the other partitions while one partition's batch keeps failing", async () => {
    const two = randomName('wk-consumer2');
    await createTopics(kafka, [{ topic: two, partitions: 2 }]);
    const producer = kafka.producer();
    await producer.connect();
    const group = randomName('g');
    const done = new Map<string, number>();
    let poisonAttempts = 0;
    let assignments = 0;
    const consumer = new BatchConsumer(
      kafka,
      { ...options(group), topic: two, partitionsConcurrency: 1, retryMaxMs: 2000 },
      async (ms) => {
        if (ms[0].partition === 0) {
          poisonAttempts++;
          throw new Error('refused forever');
        }
        for (const m of ms) done.set(String(m.value), Date.now());
        return [{ topic: two, partition: ms[0].partition, offset: String(Number(ms[ms.length - 1].offset) + 1) }];
      },
      logger,
      { onAssignment: () => assignments++ },
    );
    try {
      await producer.send({ topic: two, acks: -1, messages: [{ partition: 0, value: 'poison' }] });
      await consumer.start();
      await waitFor(() => poisonAttempts >= 3, 20_000, 50, 'poison batch retried');
      const sentAt = Date.now();
      await producer.send({ topic: two, acks: -1, messages: [{ partition: 1, value: 'normal' }] });
      await waitFor(() => done.has('normal'), 5_000, 20, "the other partition's event");
      console.log(`other partition's event handled ${done.get('normal')! - sentAt} ms after it was sent`);
      expect(done.get('normal')! - sentAt).toBeLessThan(5_000);
      expect((await committed(kafka, group, two))[0]).toBe('-1');
      const before = poisonAttempts;
      await waitFor(() => poisonAttempts > before, 10_000, 50, 'poison batch still retried');
      // Paused, the partition still heartbeats through kafkajs' fetch loop: past the session
      // timeout (6 s) the member keeps its assignment, no rebalance.
      await waitFor(() => Date.now() - sentAt > 7_000, 10_000, 200, 'longer than the session timeout');
      expect(assignments).toBe(1);
      expect(poisonAttempts).toBeGreaterThan(before + 3);
    } finally {
      await consumer.stop();
      await producer.disconnect();
      await deleteTopics(kafka, [two]);
    }
  });
});
