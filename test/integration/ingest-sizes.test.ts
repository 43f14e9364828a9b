import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { PRODUCER_CLIENTS, TEST_API_KEY, randomName, waitFor } from '../support/apps';
import { IngestUnderTest, Landed, TopicReader, deleteTopics, startIngestApi } from '../support/ingest-harness';

// Sizes agree end to end: a request too large for a Kafka record fails alone with 413, the
// requests batched beside it are acknowledged, and the producer is never rebuilt for it; with either producer client.
const BROKERS = 'localhost:9092';
const report = JSON.parse(
  readFileSync(join(__dirname, '../fixtures/samples/grafana-usage-report.json'), 'utf8'),
) as Record<string, unknown>;
const auth = { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' };
const MB = 1024 * 1024;

const reportOf = (padding: number) =>
  JSON.stringify({ ...report, usageStatsId: randomUUID(), metrics: { padding: 'x'.repeat(padding) } });
/** usageStatsIds of every report answered 200. */
const accepted = new Set<string>();
const post = async (api: IngestUnderTest, body: string) => {
  const { status } = await fetch(`${api.url}/grafana-usage-report`, { method: 'POST', body, headers: auth });
  if (status === 200) accepted.add((JSON.parse(body) as { usageStatsId: string }).usageStatsId);
  return status;
};
const idOf = (l: Landed) => (l.envelope.payload as { usageStatsId?: string }).usageStatsId ?? '';

/** Counts of statuses by request class over `rounds` rounds of concurrent large, oversized and normal reports. */
async function mixedRounds(
  api: IngestUnderTest,
  rounds: number,
  large: number,
  oversized: number,
): Promise<Record<string, Record<number, number>>> {
  const tally: Record<string, Record<number, number>> = { large: {}, oversized: {}, normal: {} };
  for (let round = 0; round < rounds; round++) {
    const requests = [
      ...Array.from({ length: 2 }, () => ['large', reportOf(large)]),
      ['oversized', reportOf(oversized)],
      ...Array.from({ length: 40 }, () => ['normal', reportOf(10)]),
    ].sort(() => Math.random() - 0.5);
    const statuses = await Promise.all(requests.map(async ([kind, body]) => [kind, await post(api, body)] as const));
    for (const [kind, status] of statuses) tally[kind][status] = (tally[kind][status] ?? 0) + 1;
  }
  return tally;
}

describe.each(PRODUCER_CLIENTS)('KAFKA_PRODUCER_CLIENT=%s', (client) => {
  describe('large and normal requests at once (real broker)', () => {
    let api: IngestUnderTest;
    let reader: TopicReader;
    const admin = new Kafka({ clientId: 'sizes-test', brokers: [BROKERS], logLevel: logLevel.NOTHING }).admin();

    beforeAll(async () => {
      await admin.connect();
      api = await startIngestApi({
        MAX_PAYLOAD_SIZE: '10',
        KAFKA_MAX_MESSAGE_BYTES: String(3 * MB),
        RATE_LIMIT_RPS: '0',
        KAFKA_PRODUCER_CLIENT: client,
      });
      reader = await new TopicReader(BROKERS, api.topic).start();
    });

    afterAll(async () => {
      await reader?.stop();
      await api?.close();
      await deleteTopics(BROKERS, [api.topic, `${api.topic}-dlq`]);
      await admin.disconnect();
    });

    it('provisions both topics with max.message.bytes', async () => {
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [api.topic, `${api.topic}-dlq`].map((name) => ({
          type: ConfigResourceTypes.TOPIC,
          name,
          configNames: ['max.message.bytes'],
        })),
      });
      expect(described.resources.map((r) => r.configEntries[0].configValue)).toEqual([String(3 * MB), String(3 * MB)]);
    });

    it('acknowledges every normal and 2 MB request; a 4 MB one (over the record limit, under MAX_PAYLOAD_SIZE) gets 413', async () => {
      const tally = await mixedRounds(api, 5, 2 * MB, 4 * MB);
      expect(tally).toEqual({ large: { 200: 10 }, oversized: { 413: 5 }, normal: { 200: 200 } });
      const landed = await reader.waitFor(210, () => true, 60_000);
      expect(landed.filter((l) => l.envelope.payload && JSON.stringify(l.envelope.payload).length > MB)).toHaveLength(
        10,
      );
      expect((await fetch(`${api.url}/ready`)).status).toBe(200);
    });
  });

  describe('a broker that refuses a record size the API did not expect', () => {
    const topic = randomName('sizes-refused');
    const kafka = new Kafka({ clientId: 'sizes-test', brokers: [BROKERS], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    let api: IngestUnderTest;

    beforeAll(async () => {
      await admin.connect();
      await admin.createTopics({
        topics: [{ topic, numPartitions: 3, configEntries: [{ name: 'max.message.bytes', value: String(MB) }] }],
        waitForLeaders: true,
      });
      api = await startIngestApi({
        KAFKA_TOPIC: topic,
        KAFKA_PROVISION_TOPICS: 'false',
        RATE_LIMIT_RPS: '0',
        KAFKA_PRODUCER_CLIENT: client,
      });
    });

    afterAll(async () => {
      await api?.close();
      await deleteTopics(BROKERS, [topic]);
      await admin.disconnect();
    });

    it("learns the existing topic's lower limit at start: a 2 MB request gets 413 before it is sent", async () => {
      expect(await post(api, reportOf(2 * MB))).toBe(413);
      expect(await post(api, reportOf(10))).toBe(200);
    });

    it('when the limit drops under it later, fails only the refused request with 413 and keeps the producer', async () => {
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: topic,
            configEntries: [{ name: 'max.message.bytes', value: '300000' }],
          },
        ],
      });
      accepted.clear();
      const tally = await mixedRounds(api, 3, 200_000, 600_000);
      expect(tally).toEqual({ large: { 200: 6 }, oversized: { 413: 3 }, normal: { 200: 120 } });
      // Every acknowledged report is in the topic (a reused idempotent sequence number would drop some).
      const reader = await new TopicReader(BROKERS, topic).start();
      try {
        const landed = () => new Set(reader.landed.map(idOf));
        await waitFor(
          () => [...accepted].every((id) => landed().has(id)),
          60_000,
          200,
          'every accepted report in the topic',
        );
      } finally {
        await reader.stop();
      }
      const metrics = await (await fetch(api.metricsUrl)).text();
      expect(metrics).toMatch(/^ingest_kafka_producer_up 1$/m);
    });
  });
});
