import { Consumer, IHeaders, Kafka, logLevel } from 'kafkajs';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Config, loadConfig } from '@app/config';
import { Envelope, decodeEnvelope } from '@app/contracts';
import { createLogger } from '@app/observability';
import { createIngestApi } from '../../apps/ingest-api/src/bootstrap';
import { baseEnv, getFreePort, randomName, waitFor } from './apps';

/** An ingest API running in this test process on free ports, with its own topic. */
export interface IngestUnderTest {
  app: NestFastifyApplication;
  config: Config;
  url: string;
  metricsUrl: string;
  healthUrl: string;
  topic: string;
  close(): Promise<void>;
}

export async function startIngestApi(
  overrides: Record<string, string> = {},
  waitReady = true,
): Promise<IngestUnderTest> {
  const [port, metricsPort, healthPort] = [await getFreePort(), await getFreePort(), await getFreePort()];
  const topic = overrides.KAFKA_TOPIC ?? randomName('ingest');
  const env = baseEnv({
    KAFKA_TOPIC: topic,
    KAFKA_DEAD_LETTER_TOPIC: `${topic}-dlq`,
    KAFKA_TOPIC_PARTITIONS: '3',
    PORT: String(port),
    METRICS_PORT: String(metricsPort),
    HEALTH_CHECK_PORT: String(healthPort),
    ...overrides,
  });
  const config = loadConfig(env);
  const logger = createLogger({ level: 'error', format: 'text', name: 'ingest-api-test' });
  const app = await createIngestApi(config, logger);
  await app.listen(port, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  if (waitReady)
    await waitFor(async () => (await fetch(`${url}/ready`)).status === 200, 60_000, 200, 'ingest-api ready');
  return {
    app,
    config,
    url,
    topic,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    healthUrl: `http://127.0.0.1:${healthPort}`,
    close: () => app.close(),
  };
}

export interface Landed {
  key: string;
  envelope: Envelope;
  headers: Record<string, string>;
}

const headerText = (headers: IHeaders | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k, String(v)]));

/** Reads a topic from the beginning and keeps every decoded envelope. */
export class TopicReader {
  readonly landed: Landed[] = [];
  private consumer?: Consumer;

  constructor(
    private readonly brokers: string,
    private readonly topic: string,
  ) {}

  async start(): Promise<this> {
    const kafka = new Kafka({ clientId: 'ingest-test-reader', brokers: [this.brokers], logLevel: logLevel.NOTHING });
    this.consumer = kafka.consumer({ groupId: randomName('ingest-test'), sessionTimeout: 10_000 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ message }) => {
        const decoded = decodeEnvelope(message.value);
        if (!decoded.ok) throw new Error(`undecodable message on ${this.topic}: ${decoded.reason}`);
        this.landed.push({
          key: message.key?.toString() ?? '',
          envelope: decoded.envelope,
          headers: headerText(message.headers),
        });
      },
    });
    return this;
  }

  /** Waits until `n` messages matched `where` and returns them. */
  async waitFor(n: number, where: (l: Landed) => boolean = () => true, timeoutMs = 30_000): Promise<Landed[]> {
    return waitFor(
      () => {
        const found = this.landed.filter(where);
        return found.length >= n ? found : undefined;
      },
      timeoutMs,
      100,
      `${n} message(s) on ${this.topic}`,
    );
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

/** Deletes a test's own topics (never shared ones). */
export async function deleteTopics(brokers: string, topics: string[]): Promise<void> {
  const admin = new Kafka({ clientId: 'ingest-test-admin', brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const mine = topics.filter((t) => existing.has(t));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine });
  } finally {
    await admin.disconnect();
  }
}
