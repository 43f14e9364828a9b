/**
 * KAFKA_COMPRESSION end to end against the real broker: the API's producer (BatchingProducer,
 * acks=all, idempotent) sends with each codec and each producer client, the broker validates
 * the compressed batches, and a consumer built like the worker's (createKafka) reads back the
 * exact bytes.
 */
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import { loadConfig } from '@app/config';
import { BatchingProducer, createKafka, eventSenders } from '@app/kafka';
import { createLogger } from '@app/observability';
import { randomName, waitFor } from '../support/apps';
import { createTopics, deleteTopics, readTopic } from '../support/pipeline-harness';
import { sharedStack } from '../support/services';

const logger = createLogger({ level: 'error', format: 'json', name: 'kafka-compression-test' });

/** Compressible, like the JSON reports, and 300 KB so an LZ4 frame spans several 64 KB blocks. */
function value(i: number, bytes: number): Buffer {
  const line = `{"instance":"i-${i}","metric":"dashboards_total","value":${i}}\n`;
  return Buffer.from(line.repeat(Math.ceil(bytes / line.length)).slice(0, bytes));
}

const sha = (b: Buffer | null) => (b ? createHash('sha256').update(b).digest('hex').slice(0, 16) : null);

const configFor = (client: string, codec: string) =>
  loadConfig({
    API_KEY: 'k'.repeat(32),
    ANONYMIZATION_KEY: 'a'.repeat(32),
    KAFKA_BROKERS: sharedStack.kafkaBrokers,
    KAFKA_COMPRESSION: codec,
    KAFKA_PRODUCER_CLIENT: client,
  });

/** @platformatic/kafka compresses zstd with node:zlib, which has it from Node 22.15 on. */
const nodeHasZstd = typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === 'function';
const cases: Array<[string, 'lz4' | 'zstd' | 'gzip']> = [
  ['kafkajs', 'lz4'],
  ['kafkajs', 'zstd'],
  ['kafkajs', 'gzip'],
  ['platformatic', 'lz4'],
  ['platformatic', 'gzip'],
  ...(nodeHasZstd ? [['platformatic', 'zstd'] as [string, 'zstd']] : []),
];

it(`KAFKA_PRODUCER_CLIENT=platformatic with KAFKA_COMPRESSION=zstd ${nodeHasZstd ? 'starts' : 'refuses to start'} on Node ${process.version}`, () => {
  const config = configFor('platformatic', 'zstd');
  const build = () => eventSenders(createKafka(config.kafka, logger), config.kafka, '-compression-test');
  if (nodeHasZstd) expect(build).not.toThrow();
  else expect(build).toThrow('KAFKA_COMPRESSION=zstd is not available with KAFKA_PRODUCER_CLIENT=platformatic here');
});

describe.each(cases)('KAFKA_PRODUCER_CLIENT=%s, KAFKA_COMPRESSION=%s (real Kafka)', (client, codec) => {
  const config = configFor(client, codec);
  const kafka = createKafka(config.kafka, logger, '-compression-test');
  const topic = randomName(`wk-${client}-${codec}`);
  let producer: BatchingProducer;

  beforeAll(async () => {
    await createTopics(kafka, [{ topic, partitions: 3 }]);
    producer = new BatchingProducer(eventSenders(kafka, config.kafka, '-compression-test'), {
      topic,
      lingerMs: 5,
      maxBatchMessages: 100,
      maxBatchBytes: 1_048_576,
      maxRecordBytes: 1_000_000,
      maxQueuedMessages: 100,
      ackTimeoutMs: 10_000,
      compression: config.kafka.compression,
      idempotent: true,
      logger,
    });
    producer.start();
    await waitFor(() => producer.isReady, 30_000, 100, 'producer ready');
  });
  afterAll(async () => {
    await producer.close();
    await deleteTopics(kafka, [topic]);
  });

  it('acknowledges batches of several requests and the consumer reads the same bytes back', async () => {
    const sizes = [3314, 120, 300_000, 3314, 17];
    await Promise.all(sizes.map((bytes, i) => producer.send([{ key: `k${i}`, value: value(i, bytes) }])));
    const read = await readTopic(kafka, topic, sizes.length, 30_000);
    const got = read.map((m) => [m.key, m.value?.length ?? null, sha(m.value)]).sort();
    const sent = sizes.map((bytes, i) => [`k${i}`, bytes, sha(value(i, bytes))]).sort();
    expect(got).toEqual(sent);
    expect(got.map((g) => g[1])).toEqual([3314, 120, 300_000, 3314, 17]);
  });
});
