/**
 * The fault matrix (issue 13): `npm run test:faults` (full) or `npm run test:faults -- --quick`.
 * Each scenario: a known set of unique events through the API while a fault happens; then
 * nothing acknowledged may be lost or duplicated, and healthy data is never dead-lettered.
 */
import * as os from 'node:os';
import { randomName } from '../support/apps';
import { generateEvents, GeneratedEvent, readyBody } from '../support/pipeline-harness';
import { Peer, startPrometheus } from '../support/peers';
import {
  KafkaCluster,
  KafkaClusterNode,
  startKafka,
  startKafkaCluster,
  startPostgres,
  startRedis,
} from '../support/services';
import { FailingPeer, startFailingPeer } from './failing-peer.proxy';
import { LoadResult, runLoad } from './fault-load';
import { writeReport, ScenarioResult } from './fault-report';
import { FaultRig, Services } from './fault-rig';

const QUICK = process.env.FAULTS_MODE !== 'full';
const OUTAGE_MS = Number(process.env.FAULTS_OUTAGE_S ?? (QUICK ? 5 : 60)) * 1_000;
/** The cluster scenarios' outage: a broker down or cut off this long. */
const CLUSTER_OUTAGE_MS = Number(process.env.FAULTS_CLUSTER_OUTAGE_S ?? 30) * 1_000;
const EVENTS = Number(process.env.FAULTS_EVENTS ?? (QUICK ? 1_500 : 20_000));
const KILL_EVENTS = Number(process.env.FAULTS_KILL_EVENTS ?? (QUICK ? 3_000 : 100_000));
/** The fault starts this long into the load. */
const LEAD_MS = QUICK ? 2_000 : 5_000;
/** The load lasts past the fault, so the fault happens under load and recovery is under load too. */
const spreadFor = (outageMs: number) => LEAD_MS + outageMs + (QUICK ? 8_000 : 20_000);

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Scenario {
  name: string;
  fault: string;
  /** Needs its own worker pool and API (settings of its own); the others share one rig in turn. */
  ownRig?: boolean;
  events?: number;
  spreadMs?: number;
  overrides?: Record<string, string>;
  /** Runs LEAD_MS into the load; resolves when the fault is healed (catch-up counts from then). */
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

/** The cluster scenarios' brokers (started by the first of them) and what the fault did to the leaders. */
const cluster: { running?: KafkaCluster; node?: number; leaders: Record<string, Record<number, number>> } = {
  leaders: {},
};

async function clusterSettings(services: Services): Promise<Record<string, string>> {
  services.cluster ??= cluster.running = await startKafkaCluster();
  return { KAFKA_BROKERS: services.cluster.brokers };
}

/** The node leading most partitions of the rig's topic: its loss moves leaders. */
async function leadingNode(rig: FaultRig): Promise<KafkaClusterNode> {
  const leaders = Object.values(await rig.leaders());
  const nodes = rig.services.cluster!.nodes;
  const count = (n: KafkaClusterNode) => leaders.filter((l) => l === n.nodeId).length;
  return nodes.reduce((best, n) => (count(n) > count(best) ? n : best), nodes[0]);
}

/** Takes a node out (kill -9 or cut off), records the leaders before, during and after, and brings it back. */
type NodeAction = (n: KafkaClusterNode) => Promise<void>;

async function clusterFault(rig: FaultRig, out: NodeAction, back: NodeAction): Promise<void> {
  const node = await leadingNode(rig);
  cluster.node = node.nodeId;
  cluster.leaders = { before: await rig.leaders() };
  await out(node);
  await sleep(CLUSTER_OUTAGE_MS);
  cluster.leaders.during = await rig.leaders();
  await back(node);
}

/** How many partitions the fault gave a new leader (the scenario is void without one). */
const leadersMoved = () =>
  Object.entries(cluster.leaders.before ?? {}).filter(([p, l]) => cluster.leaders.during?.[Number(p)] !== l).length;

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
    const pids = await readyBody(rig.ports.readyUrl).then(
      (r) => r.body.processes.map((p) => p.pid),
      () => [],
    );
    if (pids.length >= 2) return pids;
    if (Date.now() > deadline) throw new Error('the worker pool did not restart its consumers within 60 s');
    await sleep(200);
  }
}

const SCENARIOS: Scenario[] = [
  {
    name: 'worker-kill-9',
    fault: `kill -9 of a consumer process, ${QUICK ? 5 : 10} times during the run`,
    events: KILL_EVENTS,
    spreadMs: QUICK ? 20_000 : 150_000,
    inject: (rig) => killConsumers(rig, QUICK ? 5 : 10, QUICK ? 2_000 : 12_000),
  },
  { name: 'broker-restart', fault: 'the Kafka broker restarted under load', inject: (_rig, s) => s.kafka.restart() },
  {
    name: 'postgres-stopped',
    fault: `PostgreSQL stopped ${OUTAGE_MS / 1000} s under load`,
    inject: async (_rig, s) => {
      await s.postgres.stop();
      await sleep(OUTAGE_MS);
      await s.postgres.restart();
    },
  },
  {
    name: 'redis-stopped',
    fault: `Redis stopped ${OUTAGE_MS / 1000} s under load`,
    inject: async (_rig, s) => {
      await s.redis.stop();
      await sleep(OUTAGE_MS);
      await s.redis.restart();
    },
  },
  {
    name: 'api-sigterm',
    fault: 'the API sent SIGTERM under load, then started again',
    inject: async (rig) => {
      await rig.api.stop('SIGTERM');
      await rig.startApi();
    },
  },
  {
    name: 'store-outage-past-dedupe-window',
    ownRig: true,
    fault: `PostgreSQL stopped ${OUTAGE_MS / 1000} s with REDIS_TTL=2, then 300 events resent`,
    overrides: { REDIS_TTL: '2' },
    inject: async (_rig, s) => {
      await s.postgres.stop();
      await sleep(OUTAGE_MS);
      await s.postgres.restart();
    },
    // The dedupe marks of the first events expired long ago: only the store's unique ids stop them.
    after: (rig, events) =>
      runLoad({ apiUrl: () => rig.apiUrl, events: events.slice(0, 300), chunk: 100, concurrency: 2, spreadMs: 0 }),
  },
  {
    name: 'remote-write-peer-errors',
    ownRig: true,
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

/** The 3-broker KRaft cluster (replication 3, min.insync.replicas=2, the API's producer acks=all): full run only. */
const CLUSTER_SCENARIOS: Scenario[] = [
  {
    name: 'cluster-broker-kill-9',
    ownRig: true,
    fault:
      `3-broker KRaft cluster (RF 3, min.insync.replicas=2): the broker leading most partitions kill -9ed, ` +
      `restarted ${CLUSTER_OUTAGE_MS / 1000} s later`,
    spreadMs: spreadFor(CLUSTER_OUTAGE_MS),
    before: () => clusterSettings(servicesRef.current!),
    inject: (rig) =>
      clusterFault(
        rig,
        (n) => n.kill(),
        (n) => n.restart(),
      ),
    details: () => ({ node: cluster.node, leaders: cluster.leaders, leadersMoved: leadersMoved() }),
  },
  {
    name: 'cluster-broker-cut-off',
    ownRig: true,
    fault:
      `3-broker KRaft cluster: the broker leading most partitions cut off from the others and the clients ` +
      `(its veth down) ${CLUSTER_OUTAGE_MS / 1000} s, then healed`,
    spreadMs: spreadFor(CLUSTER_OUTAGE_MS),
    before: () => clusterSettings(servicesRef.current!),
    inject: (rig) =>
      clusterFault(
        rig,
        (n) => n.isolate(),
        (n) => n.heal(),
      ),
    details: () => ({ node: cluster.node, leaders: cluster.leaders, leadersMoved: leadersMoved() }),
  },
];

/** The services of the run, for the scenarios' before() (started in beforeAll). */
const servicesRef: { current?: Services } = {};

function merge(a: LoadResult, b: LoadResult): LoadResult {
  const statuses = { ...a.errors.statuses };
  for (const [k, n] of Object.entries(b.errors.statuses)) statuses[k] = (statuses[k] ?? 0) + n;
  const network = { ...a.errors.network };
  for (const [k, n] of Object.entries(b.errors.network)) network[k] = (network[k] ?? 0) + n;
  return {
    acknowledged: new Map([...a.acknowledged, ...b.acknowledged]),
    requests: a.requests + b.requests,
    refused: a.refused + b.refused,
    durationMs: a.durationMs + b.durationMs,
    errors: {
      statuses,
      network,
      unavailableWithoutRetryAfter: a.errors.unavailableWithoutRetryAfter + b.errors.unavailableWithoutRetryAfter,
    },
  };
}

const MATRIX = QUICK ? SCENARIOS : [...SCENARIOS, ...CLUSTER_SCENARIOS];
const CATCH_UP_TIMEOUT_MS = QUICK ? 120_000 : 600_000;

describe(`fault matrix (${QUICK ? 'quick' : 'full'})`, () => {
  const results: ScenarioResult[] = [];
  let services: Services;
  /** The worker pool and API the scenarios without settings of their own share, one after the other. */
  let shared: FaultRig | undefined;
  const sharedRig = async () => {
    if (!shared) {
      shared = new FaultRig(services);
      await shared.start();
    }
    return shared;
  };

  beforeAll(async () => {
    const [kafka, postgres, redis] = await Promise.all([startKafka(), startPostgres(), startRedis()]);
    services = servicesRef.current = { kafka, postgres, redis };
  }, 180_000);
  /** The 1-minute load average after each scenario: the machine is shared with other work. */
  const loads: number[] = [];
  const machine = () =>
    `${os.cpus().length} cores shared with other agents' work; 1-minute load average ` +
    `${Math.min(...loads).toFixed(1)} to ${Math.max(...loads).toFixed(1)} (sampled after each scenario)`;
  // Written after every scenario: an interrupted run still leaves what it measured.
  const report = () =>
    writeReport(
      {
        machine: machine(),
        mode: QUICK ? 'quick' : 'full',
        partial: process.argv.some((a) => a === '-t' || a.startsWith('--testNamePattern')),
        outageSeconds: OUTAGE_MS / 1000,
        clusterOutageSeconds: QUICK ? undefined : CLUSTER_OUTAGE_MS / 1000,
        command: `npm run test:faults${QUICK ? ' -- --quick' : ''}`,
      },
      results,
    );
  afterAll(async () => {
    await shared?.stop();
    await cluster.running?.stop();
    await Promise.all([services?.kafka.stop(), services?.postgres.stop(), services?.redis.stop()]);
  }, 120_000);

  it('control: the accounting sees a stored row that went missing', async () => {
    const rig = await sharedRig();
    const { events } = generateEvents(300, randomName('c'));
    const load = await runLoad({ apiUrl: () => rig.apiUrl, events, chunk: 100, concurrency: 2, spreadMs: 0 });
    await rig.account(load, Date.now(), CATCH_UP_TIMEOUT_MS);
    const report = [...load.acknowledged].find(([, e]) => e.kind === 'usage_report')![0];
    await rig.db.pool.query('DELETE FROM usage_reports WHERE event_id = $1', [report]);
    const accounting = await rig.account(load, Date.now(), CATCH_UP_TIMEOUT_MS);
    expect([accounting.acknowledged, accounting.stored, accounting.lost, accounting.duplicated]).toEqual([
      300, 299, 1, 0,
    ]);
  }, 300_000);

  for (const s of MATRIX) {
    it(`${s.name}: ${s.fault}: nothing acknowledged lost or duplicated`, async () => {
      let own: FaultRig | undefined;
      try {
        if (s.ownRig) {
          own = new FaultRig(services, { ...s.overrides, ...(await s.before?.()) });
          await own.start();
        }
        const rig = own ?? (await sharedRig());
        const { events } = generateEvents(s.events ?? EVENTS, randomName('f'));
        const spreadMs = s.spreadMs ?? spreadFor(OUTAGE_MS);
        const loading = runLoad({ apiUrl: () => rig.apiUrl, events, chunk: 100, concurrency: 4, spreadMs });
        await sleep(LEAD_MS);
        await s.inject(rig, services);
        // Catch-up: from the heal until the backlog of that moment is committed, while the load goes on.
        const catchUp = rig.watchCatchUp(CATCH_UP_TIMEOUT_MS);
        let load = await loading;
        if (s.after) load = merge(load, await s.after(rig, events));
        const accounting = await rig.account(load, Date.now(), CATCH_UP_TIMEOUT_MS, catchUp);
        accounting.lost += (await s.missingElsewhere?.(load)) ?? 0;
        const passed =
          accounting.lost === 0 &&
          accounting.duplicated === 0 &&
          accounting.deadLettered === 0 &&
          load.errors.unavailableWithoutRetryAfter === 0 &&
          load.refused === 0;
        results.push({
          scenario: s.name,
          fault: s.fault,
          events: events.length,
          requests: load.requests,
          refused: load.refused,
          clientErrors: load.errors,
          passed,
          ...accounting,
          details: s.details?.(),
        });
        loads.push(os.loadavg()[0]);
        report();
        const timings = { catchUpMs: 0, drainMs: 0 };
        const { unavailableWithoutRetryAfter } = load.errors;
        expect({ ...accounting, ...timings, unavailableWithoutRetryAfter, refused: load.refused }).toEqual({
          ...accounting,
          ...timings,
          lost: 0,
          duplicated: 0,
          deadLettered: 0,
          unavailableWithoutRetryAfter: 0,
          refused: 0,
        });
        expect(accounting.stored).toBe(events.length);
        // A cluster scenario where no leader moved did not test what it claims.
        if (s.name.startsWith('cluster-')) expect(leadersMoved()).toBeGreaterThan(0);
      } finally {
        await own?.stop();
        await s.cleanup?.();
      }
    }, 1_800_000);
  }
});
