import { Kafka, logLevel, ConfigResourceTypes } from 'kafkajs';
import { loadConfig } from '@app/config';
import { ensureTopics, resolveReplication } from '@app/kafka';
import { randomName, TEST_ANONYMIZATION_KEY, TEST_API_KEY } from '../support/apps';

describe('topic provisioning (real broker)', () => {
  const kafka = new Kafka({ clientId: 'topics-test', brokers: ['localhost:9092'], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const topic = randomName('events');
  const config = loadConfig({
    API_KEY: TEST_API_KEY,
    ANONYMIZATION_KEY: TEST_ANONYMIZATION_KEY,
    KAFKA_TOPIC: topic,
    KAFKA_DEAD_LETTER_TOPIC: `${topic}-dlq`,
    KAFKA_TOPIC_PARTITIONS: '4',
    KAFKA_RETENTION_HOURS: '48',
  }).kafka;

  beforeAll(() => admin.connect());
  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic, `${topic}-dlq`] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('creates the events and dead-letter topics once, then reports them as existing', async () => {
    const first = await ensureTopics(admin, config);
    expect(first.map((r) => [r.topic, r.action, r.partitions])).toEqual([
      [topic, 'created', 4],
      [`${topic}-dlq`, 'created', 3],
    ]);
    const second = await ensureTopics(admin, config);
    expect(second.map((r) => r.action)).toEqual(['exists', 'exists']);
    expect(second.flatMap((r) => r.warnings)).toEqual([]);

    // Dead letters may hold sealed personal data: kept exactly as long as the events, no longer.
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [topic, `${topic}-dlq`].map((name) => ({
        type: ConfigResourceTypes.TOPIC,
        name,
        configNames: ['retention.ms'],
      })),
    });
    expect(described.resources.map((r) => [r.resourceName, r.configEntries[0].configValue])).toEqual(
      expect.arrayContaining([
        [topic, String(48 * 3_600_000)],
        [`${topic}-dlq`, String(48 * 3_600_000)],
      ]),
    );
  });

  it('on this single-node broker keeps one copy with min.insync.replicas=1, and refuses a factor it cannot meet', async () => {
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [
        { type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['min.insync.replicas', 'max.message.bytes'] },
      ],
    });
    const entries = Object.fromEntries(described.resources[0].configEntries.map((e) => [e.configName, e.configValue]));
    expect(entries).toEqual({ 'min.insync.replicas': '1', 'max.message.bytes': '12582912' });
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0].partitions.map((p) => p.replicas.length)).toEqual([1, 1, 1, 1]);
    expect((await resolveReplication(admin, config)).warning).toMatch(/^topics keep 1 copy/);
    await expect(
      ensureTopics(admin, { ...config, topic: randomName('never'), replicationFactor: 3 } as typeof config),
    ).rejects.toThrow('KAFKA_REPLICATION_FACTOR=3 but the cluster has 1 broker(s)');
  });

  it('warns instead of repartitioning when partitions differ', async () => {
    const report = await ensureTopics(admin, { ...config, partitions: 6 } as typeof config);
    expect(report[0].partitions).toBe(4);
    expect(report[0].warnings[0]).toMatch(/has 4 partitions, configured 6/);
  });
});
