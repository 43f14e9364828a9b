import { RunningApp, randomName, startApp, waitFor } from '../support/apps';
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
import { ruleFile, runCli, runCliJson } from './cli-harness';

interface Group {
  reason: string;
  stage: string;
  total: number;
  pending: number;
  recovered: number;
  failedAgain: number;
  exhausted: number;
}
interface Entry {
  position: string;
  status: string;
  reason: string;
  attempts: number;
  eventId?: string;
}
interface Listing {
  groups: Group[];
  entries: Entry[];
}
interface ReplaySummary {
  considered: number;
  recovered: number;
  dropped: number;
  failedAgain: number;
  exhausted: number;
}

describe('usage-stats dlq (dead-letter recovery)', () => {
  const kafka = kafkaClient();
  const topic = randomName('cli-dlq');
  let db: TestDatabase;
  let worker: RunningApp;
  let env: Record<string, string>;
  // A client sent a lone UTF-16 surrogate in a dashboard variable: PostgreSQL's jsonb refuses the row.
  const { events } = generateEvents(21, 'dlqtest');
  const poison = events.find((e) => e.kind === 'analytics')!;
  Object.assign(poison.payload, {
    variables: [{ name: 'owner', values: ['broken \ud800 text'] }],
    options: { password: 'hunter2' },
  });
  const poisonEnvelope = envelopeOf(poison);
  const list = (extra: string[] = []) => runCliJson<Listing>(['dlq', 'list', '--entries', ...extra], env);

  beforeAll(async () => {
    db = await createTestDatabase();
    const ports = await workerPorts();
    env = workerEnv({ topic, database: db.name, ports }, { KAFKA_TOPIC_PARTITIONS: '1' });
    worker = await startApp('worker', env, ports.readyUrl, 60_000);
    // Healthy traffic first, then the poison and a message that is not even JSON.
    await produce(
      kafka,
      topic,
      events.filter((e) => e !== poison).map((e) => envelopeOf(e)),
    );
    await waitForStored(db.pool, 20, 60_000);
    const garbage = {
      key: 'garbage',
      value: Buffer.from('{"not json'),
      headers: { authorization: 'Bearer secret-token-123' },
    };
    await produce(kafka, topic, [poisonEnvelope, garbage]);
  });
  afterAll(async () => {
    await worker?.stop();
    await db?.drop();
    await deleteTopics(kafka, [topic, `${topic}-dlq`, `${topic}-dlq-recovered`]);
  });

  it('lists the dead letters by reason and stage, and shows one without secrets', async () => {
    const listing = await waitFor(
      async () => {
        const l = await list();
        return l.entries.length === 2 ? l : undefined;
      },
      60_000,
      500,
      'two dead letters',
    );
    expect(listing.groups).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ reason: 'store_rejected', stage: 'write', total: 1, pending: 1 }),
        expect.objectContaining({ reason: 'invalid_json', stage: 'decode', total: 1, pending: 1 }),
      ]),
    );
    const rejected = listing.entries.find((e) => e.reason === 'store_rejected')!;
    expect(rejected.eventId).toBe(poisonEnvelope.id);

    const shown = await runCli(['dlq', 'show', rejected.position], env);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`dead letter ${rejected.position}: pending`);
    expect(shown.stdout).toMatch(/reason: +store_rejected \(stage write\), attempt 1/);
    expect(shown.stdout).toContain('"kind": "analytics"');
    expect(shown.stdout).not.toContain('hunter2');
    // Anonymized by default: the poison's payload is the anonymized envelope, the garbage's raw bytes are sealed.
    expect(shown.stdout).not.toContain('dlqtest');
    const garbagePosition = listing.entries.find((e) => e.reason === 'invalid_json')!.position;
    const sealed = await runCli(['dlq', 'show', garbagePosition], env);
    expect(sealed.stdout).toContain('dlq-privacy: sealed');
    expect(sealed.stdout).not.toContain('not json');
    const garbage = await runCli(['dlq', 'show', garbagePosition, '--raw'], env);
    expect(garbage.stdout).toMatch(/payload \(10 bytes, not JSON\):\n\{"not json/);
    expect(garbage.stdout).not.toContain('secret-token-123');
    expect(garbage.stdout).toContain('authorization: [redacted]');
    const { DLQ_ENCRYPTION_KEY: _key, ...keyless } = env;
    expect((await runCli(['dlq', 'show', garbagePosition, '--raw'], keyless)).code).toBe(2);
    expect((await runCli(['dlq', 'show', '0:999999'], env)).code).toBe(1);
  });

  it('re-dead-letters what still fails with an attempt count, and stops at --max-attempts', async () => {
    const again = await runCliJson<ReplaySummary>(['dlq', 'replay'], env);
    expect(again).toMatchObject({ considered: 2, recovered: 0, failedAgain: 2, exhausted: 0 });
    const listing = await list(['--max-attempts', '2']);
    const byAttempt = listing.entries
      .map((e) => [e.attempts, e.reason, e.status])
      .sort((a, b) => String(a).localeCompare(String(b)));
    expect(byAttempt).toEqual([
      [1, 'invalid_json', 'failed_again'],
      [1, 'store_rejected', 'failed_again'],
      [2, 'invalid_json', 'exhausted'],
      [2, 'store_rejected', 'exhausted'],
    ]);
    // Never looped: at the limit, nothing is replayed and nothing new is dead-lettered.
    const capped = await runCliJson<ReplaySummary>(['dlq', 'replay', '--max-attempts', '2'], env);
    expect(capped).toMatchObject({ considered: 2, recovered: 0, failedAgain: 0, exhausted: 2 });
    expect((await list()).entries).toHaveLength(4);
  });

  it('writes the poison event once the rules are fixed, and lists it as recovered', async () => {
    const fixed = ruleFile('fixed.yaml', [
      'rules:',
      '  analytics:',
      '    - name: drop-variables',
      '      remove: [variables]',
    ]);
    const recovered = await runCliJson<ReplaySummary>(['dlq', 'replay', '--reason', 'store_rejected'], {
      ...env,
      CONFIG_FILE: fixed,
    });
    expect(recovered).toMatchObject({ considered: 1, recovered: 1, failedAgain: 0 });
    const { rows } = await db.pool.query('SELECT variables FROM analytics_events WHERE event_id = $1', [
      poisonEnvelope.id,
    ]);
    expect(rows).toEqual([{ variables: null }]);

    const listing = await list();
    expect(listing.groups.find((g) => g.reason === 'store_rejected')).toMatchObject({
      total: 2,
      recovered: 1,
      failedAgain: 1,
      pending: 0,
    });
    expect(listing.entries.filter((e) => e.status === 'recovered').map((e) => e.eventId)).toEqual([poisonEnvelope.id]);
    // Recovered letters are never replayed again.
    const rerun = await runCliJson<ReplaySummary>(['dlq', 'replay', '--reason', 'store_rejected'], {
      ...env,
      CONFIG_FILE: fixed,
    });
    expect(rerun).toMatchObject({ considered: 0, recovered: 0 });
    const human = await runCli(['dlq', 'list'], env);
    expect(human.stdout).toMatch(/^reason\s+stage\s+total\s+pending\s+recovered/);
  });
});
