import Redis from 'ioredis';
import { loadConfig } from '@app/config';
import { DEAD_LETTER_HEADERS, DeadLetterProducer } from '@app/kafka';
import { createLogger } from '@app/observability';
import type { ConsumedMessage } from '@app/contracts';
import { BatchProcessor } from '@app/pipeline';
import { createRedisClient, RedisDedupeRepository } from '@app/redis';
import { RetriableStoreError } from '@app/storage';
import { PostgresStore } from '@app/storage/postgres';
import { encodeEnvelope } from '@app/contracts';
import { getFreePort, randomName } from '../support/apps';
import {
  createTestDatabase,
  createTopics,
  deleteTopics,
  envelopeOf,
  generateEvents,
  kafkaClient,
  readTopic,
  storedCounts,
  TestDatabase,
} from '../support/pipeline-harness';

const logger = createLogger({ level: 'error', format: 'json', name: 'pipeline-test' });
const configFor = (env: Record<string, string>) =>
  loadConfig({
    API_KEY: 'k'.repeat(32),
    ANONYMIZATION_KEY: 'a'.repeat(32),
    POSTGRES_HOST: '127.0.0.1',
    POSTGRES_USER: 'stats_user',
    POSTGRES_PASSWORD: 'secure_password',
    POSTGRES_SSL_MODE: 'disable',
    REDIS_HOST: '127.0.0.1',
    REDIS_TTL: '120',
    ...env,
  });

let offset = 0;
const asMessages = (topic: string, values: Buffer[]): ConsumedMessage[] =>
  values.map((value) => ({
    topic,
    partition: 0,
    offset: String(offset++),
    key: Buffer.from('k'),
    value,
    headers: { 'x-original': 'yes' },
    timestamp: String(Date.now()),
  }));

describe('BatchProcessor with PostgreSQL, Redis and the dead-letter topic', () => {
  const kafka = kafkaClient();
  const topic = randomName('wk-pipe');
  const dlqTopic = `${topic}-dlq`;
  const prefix = randomName('dd');
  let db: TestDatabase;
  let store: PostgresStore;
  let redis: Redis;
  let deadLetters: DeadLetterProducer;

  beforeAll(async () => {
    db = await createTestDatabase();
    const config = configFor({ POSTGRES_DB: db.name });
    store = new PostgresStore(config.postgres, logger);
    await store.connect();
    redis = createRedisClient(config.redis);
    await redis.connect();
    await createTopics(kafka, [{ topic: dlqTopic, partitions: 1 }]);
    deadLetters = new DeadLetterProducer(kafka, dlqTopic);
    await deadLetters.connect();
  });
  afterAll(async () => {
    await deadLetters.disconnect();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await store.close();
    await db.drop();
    await deleteTopics(kafka, [dlqTopic]);
  });

  const processorWith = (dedupe?: RedisDedupeRepository, s = store) =>
    new BatchProcessor({ store: s, deadLetters, logger, dedupe, guard: { maxRatio: 0.5, minBatch: 10 } });

  it('dedupes a redelivered batch through Redis, per store namespace, with the TTL', async () => {
    const { events } = generateEvents(30);
    const messages = asMessages(
      topic,
      events.map((e) => encodeEnvelope(envelopeOf(e, 1_700_000_000_000))),
    );
    const processor = processorWith(new RedisDedupeRepository(redis, prefix, 'postgres', 120));
    expect((await processor.process(messages)).counts).toMatchObject({ written: 30, duplicates: 0 });
    expect((await processor.process(messages)).counts).toMatchObject({ written: 0, duplicates: 30 });
    const keys = await redis.keys(`${prefix}:postgres:*`);
    expect(keys).toHaveLength(30);
    const ttl = await redis.ttl(keys[0]);
    expect(ttl).toBeGreaterThan(100);
    expect(ttl).toBeLessThanOrEqual(120);
    // Another store's namespace has not seen them: it must still write them.
    const other = new RedisDedupeRepository(redis, prefix, 'bigquery', 120);
    expect(await other.seen([keys[0].split(':').pop()!])).toEqual([false]);
  });

  it('marks a batch larger than one command in Redis, keeps a standing mark, and survives a script flush', async () => {
    const dedupe = new RedisDedupeRepository(redis, prefix, 'marks', 300);
    const ids = Array.from({ length: 2_345 }, (_, i) => `m${i}`);
    // A mark already standing keeps its own window (NX): it is not pushed further out.
    await redis.set(`${prefix}:marks:m7`, '1', 'EX', 30);
    await dedupe.mark(ids);
    expect((await dedupe.seen(ids)).filter(Boolean)).toHaveLength(2_345);
    expect(await dedupe.seen(['m2344', 'm2345'])).toEqual([true, false]);
    expect(await redis.ttl(`${prefix}:marks:m7`)).toBeLessThanOrEqual(30);
    const last = await redis.ttl(`${prefix}:marks:m2344`);
    expect(last).toBeGreaterThan(280);
    expect(last).toBeLessThanOrEqual(300);
    // A restarted Redis has forgotten the script: the next mark sends it again.
    await redis.script('FLUSH');
    await dedupe.mark(['after-flush']);
    expect(await dedupe.seen(['after-flush'])).toEqual([true]);
  });

  it('marks with plain SETs when the Redis user may not run scripts', async () => {
    const user = randomName('noscript');
    const password = `${user}-password`;
    await redis.acl('SETUSER', user, 'on', `>${password}`, '~*', '+@all', '-@scripting');
    const limited = new Redis({ host: redis.options.host, port: redis.options.port, username: user, password });
    try {
      await expect(limited.eval('return 1', 0)).rejects.toThrow(/NOPERM/);
      const dedupe = new RedisDedupeRepository(limited, prefix, 'noscript', 300);
      await dedupe.mark(['n1', 'n2']);
      await dedupe.mark(['n3']);
      expect(await dedupe.seen(['n1', 'n2', 'n3', 'n4'])).toEqual([true, true, true, false]);
      expect(await redis.ttl(`${prefix}:noscript:n3`)).toBeGreaterThan(280);
    } finally {
      limited.disconnect();
      await redis.acl('DELUSER', user);
    }
  });

  it('keeps going exactly once with Redis unreachable (the store is the guard)', async () => {
    const config = configFor({
      POSTGRES_DB: db.name,
      REDIS_PORT: String(await getFreePort()),
      REDIS_COMMAND_TIMEOUT_MS: '200',
    });
    const deadRedis = createRedisClient(config.redis);
    await deadRedis.connect().catch(() => undefined);
    const processor = processorWith(new RedisDedupeRepository(deadRedis, prefix, 'postgres', 120));
    const before = await storedCounts(db.pool);
    const { events } = generateEvents(12);
    const messages = asMessages(
      topic,
      events.map((e) => encodeEnvelope(envelopeOf(e))),
    );
    expect((await processor.process(messages)).counts).toMatchObject({ written: 12, duplicates: 0 });
    expect((await processor.process(messages)).counts).toMatchObject({ written: 0, duplicates: 12 });
    expect((await storedCounts(db.pool)).logicalEvents).toBe(before.logicalEvents + 12);
    deadRedis.disconnect();
  });

  it('marks nothing in Redis while the store is down, so nothing is lost', async () => {
    const down = new PostgresStore(
      configFor({
        POSTGRES_DB: db.name,
        POSTGRES_PORT: String(await getFreePort()),
        POSTGRES_CONNECT_TIMEOUT_MS: '300',
      }).postgres,
      logger,
    );
    const dedupe = new RedisDedupeRepository(redis, prefix, 'postgres', 120);
    const { events } = generateEvents(3);
    const envelopes = events.map((e) => envelopeOf(e));
    const messages = asMessages(topic, envelopes.map(encodeEnvelope));
    await expect(processorWith(dedupe, down).process(messages)).rejects.toBeInstanceOf(RetriableStoreError);
    expect(await dedupe.seen(envelopes.map((e) => e.id))).toEqual([false, false, false]);
    await down.close();
    expect((await processorWith(dedupe).process(messages)).counts.written).toBe(3);
  });

  it('sends poison to the dead-letter topic with reason, stage, source and original bytes, and writes the rest', async () => {
    const { events } = generateEvents(5);
    const good = events.map((e) => encodeEnvelope(envelopeOf(e)));
    const poison = Buffer.from('{"v":1,"this is":"not an envelope"}');
    const messages = asMessages(topic, [good[0], good[1], poison, good[2], good[3], good[4]]);
    const out = await processorWith().process(messages);
    expect(out.counts).toMatchObject({ written: 5, deadLettered: 1 });
    expect(out.commits).toEqual([{ topic, partition: 0, offset: String(Number(messages[5].offset) + 1) }]);
    const [letter] = await readTopic(kafka, dlqTopic, 1);
    expect(letter.value?.equals(poison)).toBe(true);
    expect(letter.headers).toMatchObject({
      [DEAD_LETTER_HEADERS.reason]: 'invalid_envelope',
      [DEAD_LETTER_HEADERS.stage]: 'decode',
      [DEAD_LETTER_HEADERS.sourceTopic]: topic,
      [DEAD_LETTER_HEADERS.sourcePartition]: '0',
      [DEAD_LETTER_HEADERS.sourceOffset]: messages[2].offset,
      'x-original': 'yes',
    });
    expect(letter.headers[DEAD_LETTER_HEADERS.detail]).toMatch(/invalid envelope/);
  });
});
