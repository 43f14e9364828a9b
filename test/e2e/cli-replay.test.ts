import { Envelope } from '@app/contracts';
import { RunningApp, randomName, startApp, waitFor } from '../support/apps';
import {
  createTestDatabase,
  deleteTopics,
  envelopeOf,
  generateEvents,
  kafkaClient,
  storedCounts,
  StoredCounts,
  TestDatabase,
  waitForStored,
  workerEnv,
  workerPorts,
} from '../support/pipeline-harness';
import { produceAt, rowsById, ruleFile, runCli, runCliJson, startCli } from './cli-harness';

// Small N keeps the suite quick; docs/operations.md reports a larger run measured by hand.
const IN_RANGE = 600;
const OUTSIDE = 30;
const HOUR = 3_600_000;

interface Summary {
  resumed: boolean;
  total: number;
  before: number;
  read: number;
  skipped: number;
  written: number;
  replaced: number | null;
  duplicates: number;
  dropped: number;
  deadLettered: number;
  byKind: Record<string, { read: number; written: number }>;
}
interface Status {
  groups: Array<{
    group: string;
    role: string;
    members: number;
    lagMessages: number;
    lagSeconds?: number;
    replay?: { total: number; done: number };
  }>;
}

const marker = (v: string) => [
  'rules:',
  '  analytics:',
  `    - set: { timeZone: ${v} }`,
  '  usage_report:',
  `    - set: { edition: ${v} }`,
  '  metrics:',
  `    - set: { job: ${v} }`,
];

describe('usage-stats replay (backfill through changed rules)', () => {
  const kafka = kafkaClient();
  const topic = randomName('cli-replay');
  const group = randomName('cli-replay-group');
  const now = Date.now();
  const from = new Date(now - 2 * HOUR).toISOString();
  const to = new Date(now - HOUR).toISOString();
  let db: TestDatabase;
  let worker: RunningApp;
  let env: Record<string, string>;
  let inRange: Envelope[];
  let outside: Envelope[];
  let baseline: StoredCounts;

  const withRules = (path: string) => ({ ...env, CONFIG_FILE: path });
  const replayArgs = ['replay', '--from', from, '--to', to];
  const inRangeIds = () => inRange.map((e) => e.id);
  async function countMarked(v: string): Promise<number> {
    const { rows } = await db.pool.query(
      `SELECT
      (SELECT count(*) FROM analytics_events WHERE dashboard_timezone = $1 AND event_id = ANY($2))::int
      + (SELECT count(*) FROM usage_reports WHERE edition = $1 AND event_id = ANY($2))::int
      + (SELECT count(DISTINCT event_id) FROM metric_samples WHERE job = $1 AND event_id = ANY($2))::int AS n`,
      [v, inRangeIds()],
    );
    return rows[0].n as number;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    const ports = await workerPorts();
    env = workerEnv({ topic, database: db.name, ports, group }, { KAFKA_TOPIC_PARTITIONS: '3' });
    const topics = await runCliJson<Array<{ topic: string; action: string }>>(['topics'], env);
    expect(topics.map((t) => [t.topic, t.action])).toEqual([
      [topic, 'created'],
      [`${topic}-dlq`, 'created'],
      [`${topic}-dlq-recovered`, 'created'],
    ]);
    expect((await runCliJson<{ applied: number[] }>(['migrate'], env)).applied).toEqual([1, 2, 3, 4, 5]);

    // Events over three hours: before the range, in it, after it (Kafka timestamps in order).
    const { events } = generateEvents(IN_RANGE + 2 * OUTSIDE);
    const at = (i: number) =>
      i < OUTSIDE
        ? now - 3 * HOUR + i * 1_000
        : i < OUTSIDE + IN_RANGE
          ? now - 2 * HOUR + 1_000 + (i - OUTSIDE) * 5_000
          : now - HOUR / 2 + i;
    const items = events.map((e, i) => ({ envelope: envelopeOf(e, at(i)), timestamp: at(i) }));
    inRange = items.slice(OUTSIDE, OUTSIDE + IN_RANGE).map((x) => x.envelope);
    outside = [...items.slice(0, OUTSIDE), ...items.slice(OUTSIDE + IN_RANGE)].map((x) => x.envelope);
    await produceAt(kafka, topic, items);
    worker = await startApp('worker', env, ports.readyUrl, 60_000);
    baseline = await waitForStored(db.pool, IN_RANGE + 2 * OUTSIDE, 90_000);
  });
  afterAll(async () => {
    await worker?.stop();
    await db?.drop();
    await deleteTopics(kafka, [topic, `${topic}-dlq`, `${topic}-dlq-recovered`]);
  });

  it('applies a changed rule to every event of the range, keeps row counts, and a second identical replay changes nothing', async () => {
    const v2 = ruleFile('v2.yaml', [
      'rules:',
      '  analytics:',
      '    - remove: [dashboard.name]',
      'anonymizer:',
      '  usage_report:',
      '    hash: [usageStatsId, os]',
    ]);
    const first = await runCliJson<Summary>(replayArgs, withRules(v2));
    expect(first).toMatchObject({
      resumed: false,
      total: IN_RANGE,
      read: IN_RANGE,
      written: 0,
      replaced: IN_RANGE,
      dropped: 0,
      deadLettered: 0,
    });
    expect(first.byKind).toEqual({
      usage_report: { read: 200, written: 200, dropped: 0 },
      analytics: { read: 200, written: 200, dropped: 0 },
      metrics: { read: 200, written: 200, dropped: 0 },
    });

    expect(await storedCounts(db.pool)).toEqual(baseline);
    const ids = inRangeIds();
    const named = await db.pool.query('SELECT event_id, dashboard_name FROM analytics_events');
    for (const r of named.rows)
      expect([r.event_id, r.dashboard_name === null]).toEqual([r.event_id, ids.includes(r.event_id)]);
    const os = await db.pool.query('SELECT event_id, os FROM usage_reports');
    for (const r of os.rows)
      expect([r.event_id, ids.includes(r.event_id) ? /^[0-9a-f]{32}$/.test(r.os) : r.os === 'linux']).toEqual([
        r.event_id,
        true,
      ]);
    expect(outside.length).toBe(2 * OUTSIDE);

    const before = await rowsById(db.pool);
    const second = await runCliJson<Summary>(replayArgs, withRules(v2));
    expect(second).toMatchObject({ resumed: false, read: IN_RANGE, written: 0, replaced: IN_RANGE });
    expect(await rowsById(db.pool)).toEqual(before);
  });

  it('reports what a dry run would do without writing anything', async () => {
    const before = await db.pool.query('SELECT max(stored_at) AS t FROM analytics_events');
    const dropViewers = ruleFile('drop.yaml', [
      'rules:',
      '  analytics:',
      '    - name: drop-even-themes',
      '      drop: { "user.lightTheme": true }',
    ]);
    const dry = await runCliJson<Summary & { dryRun: boolean; droppedBy: Record<string, number> }>(
      [...replayArgs, '--dry-run', '--kind', 'analytics'],
      withRules(dropViewers),
    );
    expect(dry).toMatchObject({
      dryRun: true,
      read: IN_RANGE,
      skipped: 400,
      written: 100,
      replaced: null,
      dropped: 100,
      droppedBy: { 'rule:drop-even-themes': 100 },
    });
    const after = await db.pool.query('SELECT max(stored_at) AS t FROM analytics_events');
    expect(after.rows[0].t).toEqual(before.rows[0].t);
  });

  it('keeps live ingest flowing while a rate-limited replay runs', async () => {
    const replay = startCli(
      [...replayArgs, '--max-rate', '100', '--json'],
      withRules(ruleFile('v3.yaml', marker('v3'))),
    );
    const latencies: number[] = [];
    let statusSeen: Status | undefined;
    let batch = 0;
    await waitFor(() => countMarked('v3').then((n) => n > 0), 60_000, 100, 'the replay to start writing');
    while (replay.child.exitCode === null && batch < 40) {
      const { events } = generateEvents(3, `live${batch++}`);
      const sentAt = Date.now();
      const envelopes = events.map((e) => envelopeOf(e, sentAt));
      await produceAt(
        kafka,
        topic,
        envelopes.map((envelope) => ({ envelope, timestamp: sentAt })),
      );
      await waitFor(
        async () => {
          const { rows } = await db.pool.query(
            `SELECT (SELECT count(*) FROM usage_reports WHERE event_id = ANY($1))::int
          + (SELECT count(*) FROM analytics_events WHERE event_id = ANY($1))::int + (SELECT count(DISTINCT event_id) FROM metric_samples WHERE event_id = ANY($1))::int AS n`,
            [envelopes.map((e) => e.id)],
          );
          return rows[0].n === 3;
        },
        30_000,
        50,
        'live events stored',
      );
      latencies.push(Date.now() - sentAt);
      if (batch === 3) statusSeen = await runCliJson<Status>(['status'], env);
    }
    const result = await replay.done;
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as Summary).read).toBe(IN_RANGE);
    // Not a terminal: progress comes as plain lines on stderr.
    expect(result.stderr).toMatch(/progress replay \d[\d,]*\/600 \([\d.]+%\) [\d,]+ events\/s ETA /);
    expect(await countMarked('v3')).toBe(IN_RANGE);
    // The replay took seconds at 100 events/s; live events kept being stored within a few seconds all along.
    expect(latencies.length).toBeGreaterThanOrEqual(4);
    expect(Math.max(...latencies)).toBeLessThan(5_000);
    const live = statusSeen!.groups.find((g) => g.role === 'live')!;
    expect(live.lagSeconds).toBeLessThan(10);
    expect(statusSeen!.groups.find((g) => g.role === 'replay')).toMatchObject({
      members: 1,
      replay: { total: IN_RANGE },
    });
  });

  it('resumes a replay killed halfway and finishes with exact counts', async () => {
    const baselineNow = await storedCounts(db.pool);
    const v4 = withRules(ruleFile('v4.yaml', marker('v4')));
    const killed = startCli([...replayArgs, '--max-rate', '100', '--json'], v4);
    await waitFor(() => countMarked('v4').then((n) => n >= IN_RANGE / 2), 60_000, 50, 'half the range replayed');
    killed.child.kill('SIGKILL');
    expect((await killed.done).code).toBeNull();
    const marked = await countMarked('v4');
    expect(marked).toBeLessThan(IN_RANGE);

    const status = await runCliJson<Status>(['status'], env);
    const interrupted = status.groups.find((g) => g.role === 'replay')!;
    expect(interrupted.lagMessages).toBeGreaterThan(0);
    expect(interrupted.replay!.total).toBe(IN_RANGE);

    const resumed = await runCliJson<Summary>(replayArgs, v4);
    expect(resumed.resumed).toBe(true);
    expect(resumed.before).toBeGreaterThan(0);
    expect(resumed.read).toBe(IN_RANGE - resumed.before);
    expect(await countMarked('v4')).toBe(IN_RANGE);
    expect(await storedCounts(db.pool)).toEqual(baselineNow);
    // Finished: its group is gone, so the same command later is a new replay.
    expect((await runCliJson<Status>(['status'], env)).groups.filter((g) => g.role === 'replay')).toEqual([]);
  });

  it('refuses bad arguments with exit code 2 and a clear message', async () => {
    const cases: Array<[string[], RegExp]> = [
      [
        ['replay', '--from', '-30d'],
        /--from "-30d" .* is outside the retention of .* \(retention 168 h\): the oldest time a replay can reach is /,
      ],
      [
        ['replay', '--from', '-1h', '--kind', 'pageviews'],
        /--kind pageviews: unknown kind \(one of usage_report, analytics, metrics\)/,
      ],
      [['replay', '--from', '-1h', '--to', '-2h'], /--to "-2h" .* is not after --from "-1h"/],
      [['replay', '--from', 'yesterday'], /--from "yesterday": not a time/],
      [['replay', '--from', '-1h', '--max-rate', 'fast'], /--max-rate "fast": must be a whole number/],
      [['replay', '--from', '-1h', '--store', 'mysql'], /--store mysql: unknown store/],
      [['replay'], /required option '--from <time>' not specified/],
      [['replay', '--from', '-1h', '--bogus'], /unknown option '--bogus'/],
      [['dlq', 'show', 'nope'], /expected <partition>:<offset>/],
      [['frobnicate'], /unknown command 'frobnicate'/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args, env);
      expect([args.join(' '), r.code, r.stderr]).toEqual([args.join(' '), 2, expect.stringMatching(message)]);
    }
    const badRules = await runCli(['replay', '--from', '-1h'], { ...env, CONFIG_FILE: '/nonexistent/rules.yaml' });
    expect([badRules.code, badRules.stderr]).toEqual([
      2,
      expect.stringMatching(/CONFIG_FILE=\/nonexistent\/rules.yaml: cannot be read/),
    ]);
  });

  it('has --help on every command', async () => {
    for (const args of [
      [],
      ['replay'],
      ['dlq'],
      ['dlq', 'list'],
      ['dlq', 'show'],
      ['dlq', 'replay'],
      ['status'],
      ['migrate'],
      ['topics'],
    ]) {
      const r = await runCli([...args, '--help'], env);
      expect([args.join(' '), r.code, r.stdout]).toEqual([
        args.join(' '),
        0,
        expect.stringContaining(`Usage: usage-stats ${args.join(' ')}`.trim()),
      ]);
    }
  });
});
