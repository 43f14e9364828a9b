import Redis from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { randomName, waitFor } from '../support/apps';

// Proves the local stack is the real thing: a broker that takes produce, consumer-group
// join, consume and offset commit; a PostgreSQL round trip; a Redis SET NX EX.
const brokers = (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(',');

describe('local stack', () => {
  const kafka = new Kafka({ clientId: 'stack-test', brokers, logLevel: logLevel.NOTHING, retry: { retries: 3 } });

  it('kafka: produce, consumer group join, consume and commit', async () => {
    const topic = randomName('stack');
    const groupId = randomName('stack-group');
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true })).toBe(true);
      const producer = kafka.producer();
      await producer.connect();
      const sent = await producer.send({
        topic,
        acks: -1,
        messages: [
          { key: 'a', value: 'one' },
          { key: 'b', value: 'two' },
        ],
      });
      expect(sent.every((r) => r.errorCode === 0)).toBe(true);
      await producer.disconnect();

      const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000 });
      const received: string[] = [];
      let joined = false;
      consumer.on(consumer.events.GROUP_JOIN, () => {
        joined = true;
      });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          received.push(message.value!.toString());
          await consumer.commitOffsets([{ topic, partition, offset: (Number(message.offset) + 1).toString() }]);
        },
      });
      await waitFor(() => received.length === 2, 30_000, 100, 'two messages consumed');
      expect(joined).toBe(true);
      expect(received.sort()).toEqual(['one', 'two']);
      await consumer.disconnect();

      const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
      const total = committed[0].partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
      expect(total).toBe(2);
      await admin.deleteGroups([groupId]);
      await admin.deleteTopics({ topics: [topic] });
    } finally {
      await admin.disconnect();
    }
  });

  it('postgres: round trip', async () => {
    const client = new Client({
      host: process.env.POSTGRES_HOST ?? '127.0.0.1',
      port: Number(process.env.POSTGRES_PORT ?? 5432),
      user: 'stats_user',
      password: 'secure_password',
      database: 'usage_stats',
    });
    await client.connect();
    try {
      const table = randomName('stack');
      await client.query(`CREATE TEMP TABLE ${table} (id text primary key, doc jsonb)`);
      await client.query(`INSERT INTO ${table} VALUES ($1, $2)`, ['x', { n: 1 }]);
      const { rows } = await client.query(`SELECT doc FROM ${table} WHERE id = $1`, ['x']);
      expect(rows).toEqual([{ doc: { n: 1 } }]);
    } finally {
      await client.end();
    }
  });

  it('redis: SET NX EX', async () => {
    const redis = new Redis({
      host: process.env.REDIS_HOST ?? '127.0.0.1',
      port: Number(process.env.REDIS_PORT ?? 6379),
      lazyConnect: true,
      maxRetriesPerRequest: 1,
    });
    await redis.connect();
    try {
      const key = randomName('stack');
      expect(await redis.set(key, '1', 'EX', 60, 'NX')).toBe('OK');
      expect(await redis.set(key, '2', 'EX', 60, 'NX')).toBeNull();
      expect(await redis.ttl(key)).toBeGreaterThan(0);
      await redis.del(key);
    } finally {
      redis.disconnect();
    }
  });
});
