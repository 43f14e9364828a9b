/**
 * KAFKA_COMPRESSION end to end against the real broker: the API's producer (BatchingProducer,
 * acks=all, idempotent) sends with each codec, the broker validates the compressed batches, and
 * a consumer built like the worker's (createKafka) reads back the exact bytes.
 */
import { createHash } from 'node:crypto';
import { loadConfig } from '@app/config';
import { BatchingProducer, createKafka } from '@app/kafka';
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

describe.each(['lz4', 'zstd', 'gzip'] as const)('KAFKA_COMPRESSION=%s (real Kafka)', (codec) => {
  const config = loadConfig({
    API_KEY: 'k'.repeat(32),
    ANONYMIZATION_KEY: 'a'.repeat(32),
    KAFKA_BROKERS: sharedStack.kafkaBrokers,
    KAFKA_COMPRESSION: codec,
  });
  const kafka = createKafka(config.kafka, logger, '-compression-test');
  const topic = randomName(`wk-${codec}`);
  let producer: BatchingProducer;

  beforeAll(async () => {
    await createTopics(kafka, [{ topic, partitions: 3 }]);
    producer = new BatchingProducer(kafka, {
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
