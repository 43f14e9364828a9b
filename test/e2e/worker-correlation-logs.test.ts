import { randomUUID } from 'node:crypto';
import { pseudonym } from '@app/anonymizer';
import { RunningApp, randomName, startApp, TEST_ANONYMIZATION_KEY, waitFor } from '../support/apps';
import {
  createTestDatabase,
  deleteTopics,
  envelopeOf,
  generateEvents,
  kafkaClient,
  produce,
  TestDatabase,
  waitForStored,
  workerEnv,
  workerPorts,
} from '../support/pipeline-harness';

type LogLine = Record<string, unknown> & { msg?: string };

/** The worker's JSON log lines (primary and consumer process share its stdout). */
function jsonLines(output: string): LogLine[] {
  return output.split('\n').flatMap((line) => {
    try {
      const parsed = JSON.parse(line) as unknown;
      return parsed && typeof parsed === 'object' ? [parsed as LogLine] : [];
    } catch {
      return [];
    }
  });
}

describe('worker: the correlation id reaches the batch and dead-letter log lines', () => {
  const kafka = kafkaClient();
  const topic = randomName('wk-corr');
  let db: TestDatabase;
  let worker: RunningApp;

  beforeAll(async () => {
    const [database, ports] = await Promise.all([createTestDatabase(), workerPorts()]);
    db = database;
    const env = workerEnv(
      { topic, database: db.name, ports },
      { LOG_LEVEL: 'debug', LOG_FORMAT: 'json', KAFKA_TOPIC_PARTITIONS: '1' },
    );
    worker = await startApp('worker', env, ports.readyUrl, 60_000);
  });
  afterAll(async () => {
    await worker?.stop();
    await db?.drop();
    await deleteTopics(kafka, [topic, `${topic}-dlq`]);
  });

  it('logs each stored batch with the correlation ids its envelopes carry', async () => {
    // Four requests of ten items each: a request's items share its correlation id.
    const requests = Array.from({ length: 4 }, () => randomUUID());
    const envelopes = generateEvents(40).events.map((e, i) => ({ ...envelopeOf(e), correlationId: requests[i % 4] }));
    await produce(kafka, topic, envelopes);
    await waitForStored(db.pool, 40, 60_000);
    const logged = await waitFor(
      () => {
        const ids = new Set(
          jsonLines(worker.output())
            .filter((l) => l.msg === 'batch processed')
            .flatMap((l) => l.correlationIds as string[]),
        );
        return requests.every((id) => ids.has(id)) && ids;
      },
      10_000,
      200,
      "batch lines naming every request's correlation id",
    );
    expect([...logged].sort()).toEqual([...requests].sort());
  });

  it("logs a dead letter with its correlation id, a client's raw id only in its keyed form", async () => {
    const opaque = randomUUID();
    const raw = `alice.${randomUUID().slice(0, 8)}@example.com`;
    await produce(kafka, topic, [
      { key: 'p1', value: Buffer.from([0xde, 0xad]), headers: { 'correlation-id': opaque } },
      { key: 'p2', value: Buffer.from([0xbe, 0xef]), headers: { 'correlation-id': raw } },
    ]);
    const letters = await waitFor(
      () => {
        const found = jsonLines(worker.output()).filter((l) => l.msg === 'message dead-lettered');
        return found.length >= 2 && found;
      },
      60_000,
      200,
      'two dead-letter lines',
    );
    expect(letters.map((l) => [l.reason, l.offset, l.correlationId])).toEqual([
      ['invalid_json', '40', opaque],
      ['invalid_json', '41', `h-${pseudonym(TEST_ANONYMIZATION_KEY, raw)}`],
    ]);
    expect(worker.output()).not.toContain(raw);
  });
});
