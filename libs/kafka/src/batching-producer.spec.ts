import type { Kafka, ProducerBatch, ProducerConfig } from 'kafkajs';
import pino from 'pino';
import {
  BatchingProducer,
  BatchingProducerOptions,
  KafkaUnavailableError,
  RecordTooLargeError,
  requestBytes,
} from './batching-producer';
import { kafkajsSenders } from './kafkajs-sender';

/** A kafkajs stand-in whose sendBatch calls wait until the test acknowledges or fails them. */
class FakeKafka {
  readonly batches: Array<{
    batch: ProducerBatch;
    ack: () => void;
    /** Resolves like kafkajs after a retry that skipped a partition: success, without that partition. */
    ackWithout: (partition: number) => void;
    fail: (err: Error) => void;
  }> = [];
  producersCreated = 0;
  connectFails = 0;

  producer(options: ProducerConfig = {}) {
    this.producersCreated++;
    // Like kafkajs: the partitioner picks each message's partition, and the answer lists each partition written.
    const partitioner = options.createPartitioner?.();
    const metadata = [
      { partitionId: 0, leader: 1, replicas: [1], isr: [1], offlineReplicas: [], partitionErrorCode: 0 },
    ];
    const acknowledge = (batch: ProducerBatch) =>
      batch.topicMessages!.flatMap(({ topic, messages }) =>
        messages.map((message) => ({
          topicName: topic,
          partition: partitioner ? partitioner({ topic, partitionMetadata: metadata, message }) : 0,
          errorCode: 0,
        })),
      );
    return {
      connect: async () => {
        if (this.connectFails > 0) {
          this.connectFails--;
          throw new Error('connection refused');
        }
      },
      disconnect: async () => undefined,
      sendBatch: (batch: ProducerBatch) =>
        new Promise((resolve, reject) =>
          this.batches.push({
            batch,
            ack: () => resolve(acknowledge(batch)),
            ackWithout: (partition) => resolve(acknowledge(batch).filter((a) => a.partition !== partition)),
            fail: reject,
          }),
        ),
    };
  }

  admin() {
    return { connect: async () => undefined, disconnect: async () => undefined, describeCluster: async () => ({}) };
  }

  messagesIn(i: number): number {
    return this.batches[i].batch.topicMessages![0].messages.length;
  }
}

const msg = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: Buffer.from(`v${i}`) }));
const until = async (cond: () => boolean, ms = 2000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 2));
  }
};

async function started(overrides: Partial<BatchingProducerOptions> = {}) {
  const kafka = new FakeKafka();
  const producer = new BatchingProducer(kafkajsSenders(kafka as unknown as Kafka), {
    topic: 't',
    lingerMs: 5,
    maxBatchMessages: 10,
    maxBatchBytes: 1_000_000,
    maxRecordBytes: 2_000_000,
    maxQueuedMessages: 100,
    ackTimeoutMs: 1000,
    compression: 'none',
    idempotent: true,
    probeIntervalMs: 60_000,
    logger: pino({ level: 'silent' }),
    ...overrides,
  });
  producer.start();
  await until(() => producer.isReady);
  return { kafka, producer };
}

describe('BatchingProducer', () => {
  let open: BatchingProducer[] = [];
  const track = async (p: Promise<{ kafka: FakeKafka; producer: BatchingProducer }>) => {
    const r = await p;
    open.push(r.producer);
    return r;
  };
  afterEach(async () => {
    await Promise.all(open.map((p) => p.close(10)));
    open = [];
  });

  it('sends a full batch at once with acks=-1 and settles each request only on the ack', async () => {
    const { kafka, producer } = await track(started());
    let done = 0;
    const requests = [producer.send(msg(4)), producer.send(msg(6))].map((p) => p.then(() => done++));
    await until(() => kafka.batches.length === 1);
    expect(kafka.messagesIn(0)).toBe(10);
    expect(kafka.batches[0].batch).toMatchObject({ acks: -1, topicMessages: [{ topic: 't' }] });
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toBe(0);
    kafka.batches[0].ack();
    await Promise.all(requests);
    expect(done).toBe(2);
  });

  it('sends a partial batch after the linger, and batches what arrives while one is in flight', async () => {
    const { kafka, producer } = await track(started({ lingerMs: 30 }));
    const first = producer.send(msg(1));
    await new Promise((r) => setTimeout(r, 10));
    expect(kafka.batches).toHaveLength(0);
    await until(() => kafka.batches.length === 1);
    const later = [producer.send(msg(2)), producer.send(msg(3))];
    await new Promise((r) => setTimeout(r, 50));
    expect(kafka.batches).toHaveLength(1);
    kafka.batches[0].ack();
    await first;
    await until(() => kafka.batches.length === 2);
    expect(kafka.messagesIn(1)).toBe(5);
    kafka.batches[1].ack();
    await Promise.all(later);
  });

  it('never splits a request across batches', async () => {
    const { kafka, producer } = await track(started({ maxBatchMessages: 5, lingerMs: 0 }));
    const a = producer.send(msg(3));
    const b = producer.send(msg(4));
    await until(() => kafka.batches.length === 1);
    kafka.batches[0].ack();
    await until(() => kafka.batches.length === 2);
    expect([kafka.messagesIn(0), kafka.messagesIn(1)]).toEqual([3, 4]);
    kafka.batches[1].ack();
    await Promise.all([a, b]);
  });

  it('refuses a request above the record limit before sending, and fails only that request', async () => {
    const { kafka, producer } = await track(started({ maxRecordBytes: 10_000, lingerMs: 5 }));
    const big = [{ key: 'big', value: Buffer.alloc(10_000) }];
    const small = producer.send(msg(2));
    await expect(producer.send(big)).rejects.toBeInstanceOf(RecordTooLargeError);
    await until(() => kafka.batches.length === 1);
    expect(kafka.messagesIn(0)).toBe(2);
    kafka.batches[0].ack();
    await small;
    expect(kafka.producersCreated).toBe(1);
  });

  it('sends a request above the batch size in a batch of its own', async () => {
    const { kafka, producer } = await track(started({ maxBatchBytes: 2_000, lingerMs: 5 }));
    const requests = [
      producer.send(msg(1)),
      producer.send([{ key: 'big', value: Buffer.alloc(5_000) }]),
      producer.send(msg(1)),
    ];
    await until(() => kafka.batches.length === 1);
    kafka.batches[0].ack();
    await until(() => kafka.batches.length === 2);
    kafka.batches[1].ack();
    await until(() => kafka.batches.length === 3);
    kafka.batches[2].ack();
    await Promise.all(requests);
    expect([0, 1, 2].map((i) => kafka.batches[i].batch.topicMessages![0].messages.map((m) => m.key))).toEqual([
      ['k0'],
      ['big'],
      ['k0'],
    ]);
  });

  it('on a broker size refusal keeps the producer, retries each request alone and fails only the refused one with 413', async () => {
    const states: string[] = [];
    const { kafka, producer } = await track(started({ lingerMs: 5, onStateChange: (s) => states.push(s) }));
    const a = producer.send(msg(1));
    const b = producer.send([{ key: 'b', value: Buffer.alloc(3_000) }]);
    await until(() => kafka.batches.length === 1);
    const tooLarge = Object.assign(new Error('too large'), {
      name: 'KafkaJSNonRetriableError',
      cause: { type: 'MESSAGE_TOO_LARGE' },
    });
    kafka.batches[0].fail(tooLarge);
    await until(() => kafka.batches.length === 2);
    kafka.batches[1].ack();
    await a;
    await until(() => kafka.batches.length === 3);
    kafka.batches[2].fail(tooLarge);
    await expect(b).rejects.toBeInstanceOf(RecordTooLargeError);
    // Never down (nothing queued is failed); the idempotent producer is renewed after each refusal.
    expect([producer.state, states, kafka.producersCreated]).toEqual(['ready', ['ready'], 3]);
  });

  it("counts keys, headers and framing in a request's size", () => {
    expect(requestBytes([{ key: 'ab', value: Buffer.alloc(10), headers: { h: 'xyz' } }])).toBe(
      128 + 64 + 10 + 2 + 8 + 1 + 3,
    );
  });

  it('fails a request that is not acknowledged in time', async () => {
    const { producer } = await track(started({ ackTimeoutMs: 50 }));
    await expect(producer.send(msg(1))).rejects.toMatchObject({ name: 'KafkaUnavailableError', reason: 'timeout' });
  });

  it('fails fast when not connected or overloaded', async () => {
    const { producer } = await track(started({ maxQueuedMessages: 3, lingerMs: 1000 }));
    await expect(producer.send(msg(4))).rejects.toMatchObject({ reason: 'overloaded' });
    const kafka = new FakeKafka();
    kafka.connectFails = 1000;
    const down = new BatchingProducer(kafkajsSenders(kafka as unknown as Kafka), {
      topic: 't',
      lingerMs: 1,
      maxBatchMessages: 10,
      maxBatchBytes: 1e6,
      maxRecordBytes: 2e6,
      maxQueuedMessages: 10,
      ackTimeoutMs: 100,
      compression: 'none',
      idempotent: false,
      logger: pino({ level: 'silent' }),
    });
    open.push(down);
    down.start();
    expect(down.isReady).toBe(false);
    await expect(down.send(msg(1))).rejects.toBeInstanceOf(KafkaUnavailableError);
  });

  it('after a failed batch, rejects its requests, replaces the producer and recovers by itself', async () => {
    const { kafka, producer } = await track(started({ lingerMs: 0 }));
    const states: string[] = [];
    const request = producer.send(msg(2));
    await until(() => kafka.batches.length === 1);
    kafka.connectFails = 2;
    kafka.batches[0].fail(new Error('broker gone'));
    await expect(request).rejects.toMatchObject({ reason: 'send_failed' });
    states.push(producer.state);
    await expect(producer.send(msg(1))).rejects.toMatchObject({ reason: 'not_connected' });
    await until(() => producer.isReady, 5000);
    expect(kafka.producersCreated).toBeGreaterThanOrEqual(4);
    expect(states).toEqual(['down']);
    const again = producer.send(msg(1));
    await until(() => kafka.batches.length === 2);
    kafka.batches[1].ack();
    await again;
  });

  it('fails a batch kafkajs resolved without one of its partitions, and replaces the producer', async () => {
    const { kafka, producer } = await track(started({ lingerMs: 0 }));
    const request = producer.send(msg(2));
    await until(() => kafka.batches.length === 1);
    kafka.batches[0].ackWithout(0);
    await expect(request).rejects.toMatchObject({ reason: 'send_failed' });
    await until(() => producer.isReady, 5000);
    expect(kafka.producersCreated).toBe(2);
  });

  it('flushes queued messages on close', async () => {
    const { kafka, producer } = await track(started({ lingerMs: 10_000 }));
    const request = producer.send(msg(2));
    const closing = producer.close(2000);
    await until(() => kafka.batches.length === 1);
    kafka.batches[0].ack();
    await request;
    await closing;
    await expect(producer.send(msg(1))).rejects.toMatchObject({ reason: 'closing' });
  });
});
