import { Kafka } from 'kafkajs';
import { loadConfig } from '@app/config';
import { BatchConsumer, BatchConsumerOptions, DeadLetterProducer } from '@app/kafka';
import { createLogger } from '@app/observability';
import type { ConsumedMessage } from '@app/contracts';
import { BatchProcessor } from '@app/pipeline';
import { ProcessedEvent, RetriableStoreError, WriteOptions, WriteResult } from '@app/storage';
import { PostgresStore } from '@app/storage/postgres';
import { randomName, waitFor } from '../support/apps';
import {
  createTestDatabase,
  createTopics,
  deleteTopics,
  envelopeOf,
  generateEvents,
  kafkaClient,
  produce,
  readTopic,
  storedCounts,
  TestDatabase,
} from '../support/pipeline-harness';

const logger = createLogger({ level: 'error', format: 'json', name: 'coalescing-test' });
const PARTITIONS = 4;
const PER_PARTITION = 25;

async function committed(kafka: Kafka, groupId: string, topic: string): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  await admin.disconnect();
  return offsets.partitions.sort((a, b) => a.partition - b.partition).map((p) => p.offset);
}

/** The real PostgreSQL store, recording each write and what the group had committed around it. */
class WatchedStore extends PostgresStore {
  readonly writes: Array<{ events: number; committedBefore: string[]; committedAfter: string[] }> = [];
  failNext = 0;
  watch?: () => Promise<string[]>;

  override async writeBatch(events: ProcessedEvent[], options?: WriteOptions): Promise<WriteResult> {
    const committedBefore = (await this.watch?.()) ?? [];
    if (this.failNext > 0) {
      this.failNext--;
      this.writes.push({ events: events.length, committedBefore, committedAfter: committedBefore });
      throw new RetriableStoreError('postgres write failed: injected outage');
    }
    const result = await super.writeBatch(events, options);
    this.writes.push({ events: events.length, committedBefore, committedAfter: (await this.watch?.()) ?? [] });
    return result;
  }
}

describe('BatchConsumer coalescing partitions into one PostgreSQL write (real Kafka and PostgreSQL)', () => {
  const kafka = kafkaClient();
  let db: TestDatabase;
  let store: WatchedStore;
  let deadLetters: DeadLetterProducer;
  const dlqTopic = randomName('wk-coalesce-dlq');
  const options = (groupId: string, topic: string): BatchConsumerOptions => ({
    groupId,
    topic,
    fromBeginning: true,
    sessionTimeoutMs: 6000,
    heartbeatIntervalMs: 500,
    maxBytesPerPartition: 1 << 20,
    maxWaitTimeMs: 100,
    partitionsConcurrency: 1,
    coalescePartitions: 8,
    retryInitialMs: 50,
    retryMaxMs: 200,
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    const config = loadConfig({
      API_KEY: 'k'.repeat(32),
      ANONYMIZATION_KEY: 'a'.repeat(32),
      POSTGRES_HOST: '127.0.0.1',
      POSTGRES_USER: 'stats_user',
      POSTGRES_PASSWORD: 'secure_password',
      POSTGRES_SSL_MODE: 'disable',
      POSTGRES_DB: db.name,
    });
    store = new WatchedStore(config.postgres, logger);
    await store.connect();
    await createTopics(kafka, [{ topic: dlqTopic, partitions: 1 }]);
    deadLetters = new DeadLetterProducer(kafka, dlqTopic);
    await deadLetters.connect();
  });
  afterAll(async () => {
    await deadLetters.disconnect();
    await store.close();
    await db.drop();
    await deleteTopics(kafka, [dlqTopic]);
  });

  /** A topic whose partitions all hold PER_PARTITION envelopes before the consumer starts. */
  async function filledTopic(): Promise<string> {
    const topic = randomName('wk-coalesce');
    await createTopics(kafka, [{ topic, partitions: PARTITIONS }]);
    for (let p = 0; p < PARTITIONS; p++)
      await produce(
        kafka,
        topic,
        generateEvents(PER_PARTITION).events.map((e) => envelopeOf(e)),
        500,
        p,
      );
    return topic;
  }

  function consumerFor(topic: string, group: string, seen: number[][]): BatchConsumer {
    const processor = new BatchProcessor({ store, deadLetters, logger, guard: { maxRatio: 0.5, minBatch: 10 } });
    return new BatchConsumer(
      kafka,
      options(group, topic),
      async (ms: ConsumedMessage[]) => {
        seen.push([...new Set(ms.map((m) => m.partition))].sort());
        const outcome = await processor.process(ms);
        return { commits: outcome.commits, failed: outcome.held };
      },
      logger,
    );
  }

  it('writes the batches of several partitions of one fetch in one store write, committing each only after it', async () => {
    const topic = await filledTopic();
    const group = randomName('g');
    const seen: number[][] = [];
    store.writes.length = 0;
    store.watch = () => committed(kafka, group, topic);
    const consumer = consumerFor(topic, group, seen);
    try {
      await consumer.start();
      const all = Array.from({ length: PARTITIONS }, () => String(PER_PARTITION));
      await waitFor(async () => (await committed(kafka, group, topic)).join() === all.join(), 30_000, 100, 'commits');
      expect(seen[0]).toEqual([0, 1, 2, 3]);
      expect(store.writes[0]).toEqual({
        events: 100,
        committedBefore: ['-1', '-1', '-1', '-1'],
        committedAfter: ['-1', '-1', '-1', '-1'],
      });
      expect(store.writes).toHaveLength(1);
      expect((await storedCounts(db.pool)).logicalEvents).toBe(100);
    } finally {
      store.watch = undefined;
      await consumer.stop();
      await deleteTopics(kafka, [topic]);
    }
  });

  it('retries every partition of a failed coalesced write, committing none until the store took them', async () => {
    const topic = await filledTopic();
    const group = randomName('g');
    const seen: number[][] = [];
    store.writes.length = 0;
    store.failNext = 2;
    store.watch = () => committed(kafka, group, topic);
    const before = (await storedCounts(db.pool)).logicalEvents;
    const consumer = consumerFor(topic, group, seen);
    try {
      await consumer.start();
      const all = Array.from({ length: PARTITIONS }, () => String(PER_PARTITION));
      await waitFor(async () => (await committed(kafka, group, topic)).join() === all.join(), 30_000, 100, 'commits');
      expect(seen[0]).toEqual([0, 1, 2, 3]);
      // Two refused attempts committed nothing; every partition came back and was written.
      expect(store.writes.slice(0, 2).map((w) => w.committedAfter)).toEqual([
        ['-1', '-1', '-1', '-1'],
        ['-1', '-1', '-1', '-1'],
      ]);
      expect(store.writes.slice(2).reduce((n, w) => n + w.events, 0)).toBe(100);
      expect(seen.flat().filter((p) => p === 0).length).toBeGreaterThanOrEqual(3);
      expect((await storedCounts(db.pool)).logicalEvents).toBe(before + 100);
    } finally {
      store.watch = undefined;
      store.failNext = 0;
      await consumer.stop();
      await deleteTopics(kafka, [topic]);
    }
  });

  it('holds only the partition the dead-letter guard trips; the others of the batch are written and committed', async () => {
    const topic = randomName('wk-coalesce');
    await createTopics(kafka, [{ topic, partitions: PARTITIONS }]);
    for (let p = 0; p < PARTITIONS - 1; p++)
      await produce(
        kafka,
        topic,
        generateEvents(PER_PARTITION).events.map((e) => envelopeOf(e)),
        500,
        p,
      );
    // The last partition: 12 of 14 records undecodable, before the consumer stored anything.
    const poison = Array.from({ length: 12 }, (_, i) => ({ key: `p${i}`, value: `not json ${i}` }));
    const good = generateEvents(2).events.map((e) => envelopeOf(e));
    await produce(kafka, topic, [...poison, ...good], 500, PARTITIONS - 1);
    const group = randomName('g');
    const seen: number[][] = [];
    store.writes.length = 0;
    store.watch = () => committed(kafka, group, topic);
    const before = (await storedCounts(db.pool)).logicalEvents;
    const consumer = consumerFor(topic, group, seen);
    try {
      await consumer.start();
      const all = ['25', '25', '25', '14'];
      await waitFor(async () => (await committed(kafka, group, topic)).join() === all.join(), 30_000, 100, 'commits');
      expect(seen[0]).toEqual([0, 1, 2, 3]);
      // The first write held partition 3 back: only the three healthy partitions' events.
      expect(store.writes[0].events).toBe(75);
      // Once the consumer had stored events the guard disarmed: the retry dead-lettered the poison.
      expect(seen.slice(1).flat()).toEqual([3]);
      expect((await storedCounts(db.pool)).logicalEvents).toBe(before + 77);
      const letters = await readTopic(kafka, dlqTopic, 12);
      expect(letters.map((l) => l.value?.toString()).sort()).toEqual(poison.map((m) => m.value).sort());
    } finally {
      store.watch = undefined;
      await consumer.stop();
      await deleteTopics(kafka, [topic]);
    }
  });
});
