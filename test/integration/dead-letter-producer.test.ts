import { DEAD_LETTER_HEADERS, DeadLetterProducer } from '@app/kafka';
import { randomName } from '../support/apps';
import { createTopics, deleteTopics, kafkaClient, readTopic } from '../support/pipeline-harness';

const source = (offset: number, bytes: number) => ({
  topic: 'events',
  partition: 0,
  offset: String(offset),
  key: Buffer.from(`k${offset}`),
  value: Buffer.alloc(bytes, 120),
  headers: { 'correlation-id': `c${offset}` },
  timestamp: '1700000000000',
});

/** Against the shared broker, whose message.max.bytes is the default (about 1 MB). */
describe('DeadLetterProducer (real Kafka)', () => {
  const kafka = kafkaClient();
  const topic = randomName('wk-dlq-size');
  const producer = new DeadLetterProducer(kafka, topic);

  beforeAll(async () => {
    await createTopics(kafka, [{ topic, partitions: 1 }]);
    await producer.connect();
  });
  afterAll(async () => {
    await producer.disconnect();
    await deleteTopics(kafka, [topic]);
  });

  it('sends a dead-letter batch over 1 MB in chunks, and a single letter over the limit without its payload', async () => {
    const records = [
      source(1, 400_000),
      source(2, 400_000),
      source(3, 400_000),
      source(4, 2_000_000),
      source(5, 10),
    ].map((message) => ({
      message,
      stage: 'write',
      reason: 'store_rejected',
      detail: 'refused',
      consumerGroup: 'g-postgres',
    }));
    await producer.publish(records);
    const letters = await readTopic(kafka, topic, 5, 30_000);
    expect(letters.map((l) => [l.key, l.value?.length ?? null])).toEqual([
      ['k1', 400_000],
      ['k2', 400_000],
      ['k3', 400_000],
      ['k4', null],
      ['k5', 10],
    ]);
    expect(letters[3].headers).toMatchObject({
      [DEAD_LETTER_HEADERS.payloadDropped]:
        '2000000 bytes dropped: the letter exceeded KAFKA_DEAD_LETTER_MAX_BYTES (1000000)',
      [DEAD_LETTER_HEADERS.sourceOffset]: '4',
      [DEAD_LETTER_HEADERS.reason]: 'store_rejected',
      'correlation-id': 'c4',
    });
    expect(letters[3].headers[DEAD_LETTER_HEADERS.payloadSha256]).toMatch(/^[0-9a-f]{64}$/);
  });
});
