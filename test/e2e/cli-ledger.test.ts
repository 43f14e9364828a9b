import { createHash } from 'node:crypto';
import { getFreePort, randomName, RunningApp, startApp, TEST_API_KEY, waitFor } from '../support/apps';
import {
  createTestDatabase,
  deleteTopics,
  generateEvents,
  GeneratedEvent,
  kafkaClient,
  metricSum,
  produce,
  TestDatabase,
  workerEnv,
  workerPorts,
} from '../support/pipeline-harness';
import { ruleFile, runCli } from './cli-harness';

interface Row {
  route: string;
  keyId: string;
  kind: string;
  acknowledged: number;
  written: number;
  deduplicated: number;
  dropped: number;
  deadLettered: number;
  unaccounted: number;
  droppedBy: Record<string, number>;
  deadLetteredBy: Record<string, number>;
}
interface Ledger {
  stores: Array<{
    store: string;
    caughtUp: boolean;
    rows: Row[];
    totals: Omit<Row, 'route' | 'keyId' | 'kind' | 'droppedBy' | 'deadLetteredBy'>;
    unaccounted: Array<{ eventId?: string }>;
  }>;
}

/**
 * The delivery ledger after a run with a rule that drops some events, resent duplicates and
 * poison produced straight to the topic: every acknowledged event is accounted for, and a row
 * deleted from the store shows up as exactly one unaccounted event.
 */
describe('usage-stats ledger: API -> Kafka -> worker -> PostgreSQL, reconciled', () => {
  const kafka = kafkaClient();
  const topic = randomName('wk-ledger');
  const keyId = createHash('sha256').update(`api-key-id:${TEST_API_KEY}`).digest('hex').slice(0, 12);
  let db: TestDatabase;
  let api: RunningApp;
  let worker: RunningApp;
  let env: Record<string, string>;
  let apiUrl: string;
  let apiMetrics: string;
  let workerMetrics: string;

  const post = async (items: GeneratedEvent[]) => {
    const body = JSON.stringify(items.map((e) => ({ kind: e.kind, id: e.clientId, payload: e.payload })));
    const res = await fetch(`${apiUrl}/api/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body,
    });
    if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
  };
  const ledger = async () => {
    const r = await runCli(['ledger', '--since', '1h', '--json'], env);
    if (r.code !== 0 && r.code !== 1) throw new Error(`ledger exited ${r.code}: ${r.stderr}`);
    return { code: r.code, report: JSON.parse(r.stdout) as Ledger };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    const ports = await workerPorts();
    const rules = ruleFile('rules.yaml', [
      'rules:',
      '  analytics:',
      '    - name: drop-viewers',
      '      drop: { "user.orgRole": Viewer }',
    ]);
    env = workerEnv(
      { topic, database: db.name, ports, group: randomName('wk-ledger-group') },
      { CONFIG_FILE: rules, KAFKA_TOPIC_PARTITIONS: '3' },
    );
    workerMetrics = ports.metricsUrl;
    worker = await startApp('worker', env, ports.readyUrl, 60_000);
    const [apiPort, apiMetricsPort] = [await getFreePort(), await getFreePort()];
    apiUrl = `http://127.0.0.1:${apiPort}`;
    apiMetrics = `http://127.0.0.1:${apiMetricsPort}/metrics`;
    api = await startApp(
      'ingest-api',
      {
        ...env,
        PORT: String(apiPort),
        HEALTH_CHECK_PORT: String(await getFreePort()),
        METRICS_PORT: String(apiMetricsPort),
        RATE_LIMIT_RPS: '0',
      },
      `${apiUrl}/ready`,
      60_000,
    );
  });
  afterAll(async () => {
    await api?.stop();
    await worker?.stop();
    await db?.drop();
    await deleteTopics(kafka, [topic, `${topic}-dlq`]);
  });

  it('accounts for every acknowledged event: written + deduplicated + dropped + dead-lettered, 0 unaccounted', async () => {
    const { events } = generateEvents(60);
    // 10 of the 20 panel events are a viewer's: the rule drops them.
    events
      .filter((e) => e.kind === 'analytics')
      .slice(0, 10)
      .forEach((e) => ((e.payload.user as Record<string, unknown>).orgRole = 'Viewer'));
    for (let i = 0; i < events.length; i += 20) await post(events.slice(i, i + 20));
    // A client resending 6 events (two of each kind, no viewer's): same ids, deduplicated.
    await post(events.slice(41, 47));
    // Poison a foreign producer wrote: the worker dead-letters it.
    await produce(
      kafka,
      topic,
      [1, 2, 3].map((i) => ({ key: `p${i}`, value: Buffer.from(`{"not json ${i}`) })),
    );

    const { code, report } = await waitFor(
      async () => {
        const r = await ledger();
        return r.report.stores[0].caughtUp && r.report.stores[0].totals.unaccounted === 0 ? r : undefined;
      },
      90_000,
      1_000,
      'the ledger to balance',
    );
    expect(code).toBe(0);
    const [s] = report.stores;
    expect(s.store).toBe('postgres');
    expect(s.totals).toEqual({
      acknowledged: 69,
      written: 50,
      deduplicated: 6,
      dropped: 10,
      deadLettered: 3,
      unaccounted: 0,
    });
    const byKind = Object.fromEntries(
      s.rows.map((r) => [
        `${r.route} ${r.keyId} ${r.kind}`,
        [r.acknowledged, r.written, r.deduplicated, r.dropped, r.deadLettered, r.unaccounted],
      ]),
    );
    expect(byKind).toEqual({
      [`/api/v1/ingest ${keyId} analytics`]: [22, 10, 2, 10, 0, 0],
      [`/api/v1/ingest ${keyId} metrics`]: [22, 20, 2, 0, 0, 0],
      [`/api/v1/ingest ${keyId} usage_report`]: [22, 20, 2, 0, 0, 0],
      'unknown none unknown': [3, 0, 0, 0, 3, 0],
    });
    for (const r of s.rows) expect(r.acknowledged).toBe(r.written + r.deduplicated + r.dropped + r.deadLettered);
    expect(s.rows.find((r) => r.kind === 'analytics')!.droppedBy).toEqual({ 'rule:drop-viewers': 10 });
    expect(s.rows.find((r) => r.kind === 'unknown')!.deadLetteredBy).toEqual({ invalid_json: 3 });

    // The same ledger, live, as metrics with one name in the API and the worker.
    const a = await (await fetch(apiMetrics)).text();
    expect(
      metricSum(a, 'usage_stats_ledger_events_total', { stage: 'acknowledged', key_id: keyId, store: 'all' }),
    ).toBe(66);
    const w = await (await fetch(workerMetrics)).text();
    expect(metricSum(w, 'usage_stats_ledger_events_total', { stage: 'written', store: 'postgres' })).toBe(50);
    expect(
      metricSum(w, 'usage_stats_ledger_events_total', { stage: 'dropped', key_id: keyId, reason: 'rule:drop-viewers' }),
    ).toBe(10);
    expect(metricSum(w, 'usage_stats_ledger_events_total', { stage: 'deduplicated', key_id: keyId })).toBe(6);
    expect(
      metricSum(w, 'usage_stats_ledger_events_total', {
        stage: 'dead_lettered',
        route: 'unknown',
        reason: 'invalid_json',
      }),
    ).toBe(3);
  });

  it('shows a row deleted from the store as exactly one unaccounted event, and exits 1', async () => {
    const { rows } = await db.pool.query<{ event_id: string }>(
      'DELETE FROM usage_reports WHERE event_id = (SELECT min(event_id) FROM usage_reports) RETURNING event_id',
    );
    const { code, report } = await ledger();
    expect(code).toBe(1);
    expect(report.stores[0].totals).toEqual({
      acknowledged: 69,
      written: 49,
      deduplicated: 6,
      dropped: 10,
      deadLettered: 3,
      unaccounted: 1,
    });
    expect(report.stores[0].unaccounted.map((u) => u.eventId)).toEqual([rows[0].event_id]);
  });
});
