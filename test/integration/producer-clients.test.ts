/**
 * KAFKA_PRODUCER_CLIENT against the real broker: the two clients of the events producer put a
 * key on the same partition (so switching clients keeps each instance's events in order on one
 * partition) and deliver key, value and headers intact to a consumer built like the worker's.
 * Their failure behaviour (503s, recovery, 413 for one request) is proven through the API in
 * ingest-broker-outage and ingest-sizes, which run on both clients.
 */
import { loadConfig } from '@app/config';
import { BatchingProducer, createKafka, eventSenders, OutgoingMessage } from '@app/kafka';
import { createLogger } from '@app/observability';
import { PRODUCER_CLIENTS, randomName, waitFor } from '../support/apps';
import { createTopics, deleteTopics, readTopic } from '../support/pipeline-harness';
import { sharedStack } from '../support/services';

const logger = createLogger({ level: 'error', format: 'json', name: 'producer-clients-test' });
const topic = randomName('producer-clients');
const KEYS = 60;

function producerFor(client: string): BatchingProducer {
  const config = loadConfig({
    API_KEY: 'k'.repeat(32),
    ANONYMIZATION_KEY: 'a'.repeat(32),
    KAFKA_BROKERS: sharedStack.kafkaBrokers,
    KAFKA_PRODUCER_CLIENT: client,
  });
  const kafka = createKafka(config.kafka, logger, `-${client}-test`);
  return new BatchingProducer(eventSenders(kafka, config.kafka, `-${client}-test`), {
    topic,
    lingerMs: 5,
    maxBatchMessages: 50,
    maxBatchBytes: 1_048_576,
    maxRecordBytes: 1_000_000,
    maxQueuedMessages: 1000,
    ackTimeoutMs: 10_000,
    compression: 'none',
    idempotent: true,
    logger,
  });
}

const messagesOf = (client: string, request: number): OutgoingMessage[] =>
  [0, 1, 2].map((j) => {
    const key = `instance-${request * 3 + j}`;
    return {
      key,
      value: Buffer.from(JSON.stringify({ client, key })),
      headers: { 'x-correlation-id': `${client}-${key}`, 'x-event-kind': 'grafana-usage-report' },
    };
  });

const kafka = createKafka(loadConfig({ API_KEY: 'k'.repeat(32), ANONYMIZATION_KEY: 'a'.repeat(32) }).kafka, logger);

beforeAll(async () => {
  await createTopics(kafka, [{ topic, partitions: 12 }]);
});
afterAll(async () => {
  await deleteTopics(kafka, [topic]);
});

it('both clients put every key on the same partition and deliver key, value and headers intact', async () => {
  for (const client of PRODUCER_CLIENTS) {
    const producer = producerFor(client);
    producer.start();
    try {
      await waitFor(() => producer.isReady, 30_000, 100, `${client} producer ready`);
      await Promise.all(Array.from({ length: KEYS / 3 }, (_, r) => producer.send(messagesOf(client, r))));
    } finally {
      await producer.close();
    }
  }
  const read = await readTopic(kafka, topic, 2 * KEYS, 30_000);
  expect(read).toHaveLength(2 * KEYS);
  const placement = new Map<string, Record<string, number>>();
  for (const m of read) {
    const { client, key } = JSON.parse(m.value!.toString()) as { client: string; key: string };
    expect(m.key).toBe(key);
    expect(m.headers).toEqual({ 'x-correlation-id': `${client}-${key}`, 'x-event-kind': 'grafana-usage-report' });
    placement.set(key, { ...placement.get(key), [client]: m.partition });
  }
  expect(placement.size).toBe(KEYS);
  const disagreements = [...placement].filter(([, p]) => p.kafkajs === undefined || p.kafkajs !== p.platformatic);
  expect(disagreements).toEqual([]);
  // Keyed, not all on one partition: 60 keys over 12 partitions.
  expect(new Set([...placement.values()].map((p) => p.kafkajs)).size).toBeGreaterThan(8);
});
