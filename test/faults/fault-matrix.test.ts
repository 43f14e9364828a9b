/**
 * The fault matrix (issue 13): `npm run test:faults` (full) or `npm run test:faults -- --quick`.
 * Each scenario: a known set of unique events through the API while a fault happens; then
 * nothing acknowledged may be lost or duplicated, and healthy data is never dead-lettered.
 */
import { randomName } from '../support/apps';
import { generateEvents, GeneratedEvent, readyBody } from '../support/pipeline-harness';
import { Peer, startPrometheus } from '../support/peers';
import { startKafka, startPostgres, startRedis } from '../support/services';
import { FailingPeer, startFailingPeer } from './failing-peer.proxy';
import { LoadResult, runLoad } from './fault-load';
import { writeReport, ScenarioResult } from './fault-report';
import { FaultRig, Services } from './fault-rig';

const QUICK = process.env.FAULTS_MODE !== 'full';
const OUTAGE_MS = Number(process.env.FAULTS_OUTAGE_S ?? (QUICK ? 10 : 60)) * 1_000;
const EVENTS = Number(process.env.FAULTS_EVENTS ?? (QUICK ? 3_000 : 20_000));
const KILL_EVENTS = Number(process.env.FAULTS_KILL_EVENTS ?? (QUICK ? 6_000 : 100_000));
/** The load lasts past the fault, so the fault happens under load and recovery is under load too. */
const SPREAD_MS = OUTAGE_MS * 2 + 10_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Scenario {
  name: string;
  fault: string;
  events?: number;
  spreadMs?: number;
  overrides?: Record<string, string>;
  /** Runs 5 s into the load; resolves when the fault is over. */
  inject(rig: FaultRig, services: Services): Promise<void>;
  /** Runs after the load: more of the same events (a client's late resend). */
  after?(rig: FaultRig, events: GeneratedEvent[]): Promise<LoadResult>;
  /** Starts what the scenario needs besides the rig; returns settings for the apps. */
  before?(): Promise<Record<string, string>>;
  /** Events acknowledged but missing from a second store (counted as lost). */
  missingElsewhere?(load: LoadResult): Promise<number>;
  cleanup?(): Promise<void>;
  /** What the fault did, for the JSON results (e.g. the answers the failing peer gave). */
  details?(): Record<string, unknown>;
}

/** Prometheus behind a peer that fails on demand, as the remote-write store's target. */
const remoteWrite: { prometheus?: Peer; peer?: FailingPeer } = {};

async function promSum(query: string): Promise<number> {
  const res = await fetch(`${remoteWrite.prometheus!.url}/api/v1/query?${new URLSearchParams({ query })}`);
  const body = (await res.json()) as { data: { result: Array<{ value: [number, string] }> } };
  return body.data.result.reduce((n, r) => n + Number(r.value[1]), 0);
}

async function killConsumers(rig: FaultRig, times: number, everyMs: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    const pids = await waitForPool(rig);
    process.kill(pids[i % pids.length], 'SIGKILL');
    await sleep(everyMs);
  }
}

/** The pids of the pool's consumer processes once both are up again. */
async function waitForPool(rig: FaultRig): Promise<number[]> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const pids = await readyBody(rig.ports.readyUrl).then((r) => r.body.processes.map((p) => p.pid), () => []);
    if (pids.length >= 2) return pids;
    if (Date.now() > deadline) throw new Error('the worker pool did not restart its consumers within 60 s');
    await sleep(200);
  }
}

const SCENARIOS: Scenario[] = [
  {
    name: 'worker-kill-9', fault: 'kill -9 of a consumer process, 10 times during the run', events: KILL_EVENTS,
    spreadMs: QUICK ? 30_000 : 150_000,
    inject: (rig) => killConsumers(rig, 10, QUICK ? 2_000 : 12_000),
  },
  { name: 'broker-restart', fault: 'the Kafka broker restarted under load', inject: (_rig, s) => s.kafka.restart() },
  {
    name: 'postgres-stopped', fault: `PostgreSQL stopped ${OUTAGE_MS / 1000} s under load`,
    inject: async (_rig, s) => {
      await s.postgres.stop();
      await sleep(OUTAGE_MS);
      await s.postgres.restart();
    },
  },
  {
    name: 'redis-stopped', fault: `Redis stopped ${OUTAGE_MS / 1000} s under load`,
    inject: async (_rig, s) => {
      await s.redis.stop();
      await sleep(OUTAGE_MS);
      await s.redis.restart();
    },
  },
  {
    name: 'api-sigterm', fault: 'the API sent SIGTERM under load, then started again',
    inject: async (rig) => {
      await rig.api.stop('SIGTERM');
      await rig.startApi();
    },
  },
  {
    name: 'store-outage-past-dedupe-window', fault: `PostgreSQL stopped ${OUTAGE_MS / 1000} s with REDIS_TTL=2, then 300 events resent`,
    overrides: { REDIS_TTL: '2' },
    inject: async (_rig, s) => {
      await s.postgres.stop();
      await sleep(OUTAGE_MS);
      await s.postgres.restart();
    },
    // The dedupe marks of the first events expired long ago: only the store's unique ids stop them.
    after: (rig, events) => runLoad({ apiUrl: () => rig.apiUrl, events: events.slice(0, 300), chunk: 100, concurrency: 2, spreadMs: 0 }),
  },
  {
    name: 'remote-write-peer-errors',
    fault: `remote-write peer answering 500, 429, then 429 with Retry-After (${OUTAGE_MS / 1000} s in all); STORAGE_TYPE=postgres,remote_write`,
    before: async () => {
      remoteWrite.prometheus = await startPrometheus();
      remoteWrite.peer = await startFailingPeer(`${remoteWrite.prometheus.url}/api/v1/write`);
      return { STORAGE_TYPE: 'postgres,remote_write', REMOTE_WRITE_URL: remoteWrite.peer.url };
    },
    inject: async () => {
      for (const mode of ['500', '429', '429-retry-after'] as const) {
        remoteWrite.peer!.mode = mode;
        await sleep(OUTAGE_MS / 3);
      }
      remoteWrite.peer!.mode = 'pass';
    },
    // One dashboards-count sample per usage report and two samples per push must reach Prometheus.
    missingElsewhere: async (load) => {
      const kinds = [...load.acknowledged.values()];
      const reports = kinds.filter((e) => e.kind === 'usage_report').length;
      const samples = kinds.filter((e) => e.kind === 'metrics').length * 2;
      const got = await promSum('sum(count_over_time(grafana_usage_stats_dashboards_count[1h]))');
      const pushed = await promSum('sum(count_over_time(up[1h]))');
      return Math.max(0, reports - got) + Math.max(0, samples - pushed);
    },
    details: () => ({ peerAnswers: remoteWrite.peer?.answered }),
    cleanup: async () => {
      await remoteWrite.peer?.close();
      await remoteWrite.prometheus?.stop();
    },
  },
];

function merge(a: LoadResult, b: LoadResult): LoadResult {
  const statuses = { ...a.errors.statuses };
  for (const [k, n] of Object.entries(b.errors.statuses)) statuses[k] = (statuses[k] ?? 0) + n;
  const network = { ...a.errors.network };
  for (const [k, n] of Object.entries(b.errors.network)) network[k] = (network[k] ?? 0) + n;
  return {
    acknowledged: new Map([...a.acknowledged, ...b.acknowledged]), requests: a.requests + b.requests, refused: a.refused + b.refused,
    durationMs: a.durationMs + b.durationMs,
    errors: { statuses, network, unavailableWithoutRetryAfter: a.errors.unavailableWithoutRetryAfter + b.errors.unavailableWithoutRetryAfter },
  };
}

describe(`fault matrix (${QUICK ? 'quick' : 'full'})`, () => {
  const results: ScenarioResult[] = [];
  let services: Services;

  beforeAll(async () => {
    const [kafka, postgres, redis] = await Promise.all([startKafka(), startPostgres(), startRedis()]);
    services = { kafka, postgres, redis };
  }, 180_000);
  // Written after every scenario: an interrupted run still leaves what it measured.
  const report = () => writeReport({ mode: QUICK ? 'quick' : 'full', outageSeconds: OUTAGE_MS / 1000, command: `npm run test:faults${QUICK ? ' -- --quick' : ''}` }, results);
  afterAll(async () => {
    await Promise.all([services?.kafka.stop(), services?.postgres.stop(), services?.redis.stop()]);
  }, 120_000);

  it('control: the accounting sees a stored row that went missing', async () => {
    const rig = new FaultRig(services);
    await rig.start();
    try {
      const { events } = generateEvents(300, randomName('c'));
      const load = await runLoad({ apiUrl: () => rig.apiUrl, events, chunk: 100, concurrency: 2, spreadMs: 0 });
      await rig.account(load, Date.now(), 120_000);
      await rig.db.pool.query('DELETE FROM usage_reports WHERE event_id = (SELECT min(event_id) FROM usage_reports)');
      const accounting = await rig.account(load, Date.now(), 120_000);
      expect([accounting.acknowledged, accounting.stored, accounting.lost, accounting.duplicated]).toEqual([300, 299, 1, 0]);
    } finally {
      await rig.stop();
    }
  }, 300_000);

  for (const s of SCENARIOS) {
    it(`${s.name}: ${s.fault}: nothing acknowledged lost or duplicated`, async () => {
      const rig = new FaultRig(services, { ...s.overrides, ...(await s.before?.()) });
      await rig.start();
      try {
        const { events } = generateEvents(s.events ?? EVENTS, randomName('f'));
        const loading = runLoad({ apiUrl: () => rig.apiUrl, events, chunk: 100, concurrency: 4, spreadMs: s.spreadMs ?? SPREAD_MS });
        await sleep(5_000);
        await s.inject(rig, services);
        let load = await loading;
        if (s.after) load = merge(load, await s.after(rig, events));
        // Catch-up counts from the end of the load, which outlasts the fault.
        const since = Date.now();
        const accounting = await rig.account(load, since, QUICK ? 180_000 : 600_000);
        accounting.lost += (await s.missingElsewhere?.(load)) ?? 0;
        const passed = accounting.lost === 0 && accounting.duplicated === 0 && accounting.deadLettered === 0
          && load.errors.unavailableWithoutRetryAfter === 0 && load.refused === 0;
        results.push({
          scenario: s.name, fault: s.fault, events: events.length, requests: load.requests, refused: load.refused, clientErrors: load.errors,
          passed, ...accounting, details: s.details?.(),
        });
        report();
        expect({ ...accounting, catchUpMs: 0, unavailableWithoutRetryAfter: load.errors.unavailableWithoutRetryAfter, refused: load.refused })
          .toEqual({ ...accounting, catchUpMs: 0, lost: 0, duplicated: 0, deadLettered: 0, unavailableWithoutRetryAfter: 0, refused: 0 });
        expect(accounting.stored).toBe(events.length);
      } finally {
        await rig.stop();
        await s.cleanup?.();
      }
    }, 1_800_000);
  }
});
