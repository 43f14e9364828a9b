/**
 * One fault scenario's pipeline on private throwaway services (never the shared stack): its
 * own topic, consumer group and database; the built API and worker; and the accounting that
 * compares what the API acknowledged with what PostgreSQL and the dead-letter topic hold.
 */
import { Kafka, logLevel } from 'kafkajs';
import { getFreePort, randomName, RunningApp, startApp, waitFor } from '../support/apps';
import { createTestDatabase, TestDatabase, workerEnv, workerPorts, WorkerPorts } from '../support/pipeline-harness';
import type { KafkaCluster, KafkaService, PostgresService, RedisService } from '../support/services';
import type { LoadResult } from './fault-load';

export interface Services {
  kafka: KafkaService;
  postgres: PostgresService;
  redis: RedisService;
  /** The 3-broker cluster of the cluster scenarios, started by the first of them. */
  cluster?: KafkaCluster;
}

type Marks = Array<{ partition: number; high: string }>;

export interface Accounting {
  acknowledged: number;
  /** Distinct acknowledged event ids found in PostgreSQL. */
  stored: number;
  /** Acknowledged, neither stored nor dead-lettered. */
  lost: number;
  /** Rows beyond the ones the stored events should have. */
  duplicated: number;
  deadLettered: number;
  /**
   * From the moment the fault was healed until every store's group committed the topic's high
   * watermarks as they were at that moment (the backlog the fault left, while new load keeps coming).
   */
  catchUpMs: number;
  /** From the end of the load until the groups committed the topic's end (the last events' latency). */
  drainMs: number;
  unacknowledgedStored: number;
  /** When events were lost: where (partition@offset) the events topic holds them, to tell a producer loss from a consumer skip. */
  lostInTopic?: { found: number; positions: string[]; committed: Record<string, string> };
}

/** A free port can be taken between picking it and listening on it: try again with new ones. */
async function portRace<T>(start: () => Promise<T>, repick?: () => Promise<void>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (attempt >= 3 || !String(err).includes('EADDRINUSE')) throw err;
      await repick?.();
    }
  }
}

export class FaultRig {
  readonly topic = randomName('faults');
  readonly group = randomName('faults-group');
  db!: TestDatabase;
  ports!: WorkerPorts;
  worker!: RunningApp;
  api!: RunningApp;
  apiPort!: number;
  env!: Record<string, string>;
  private readonly kafka: Kafka;
  /** Event ids acknowledged by earlier scenarios on this rig (a rig can serve several in turn). */
  private readonly earlier = new Set<string>();
  private lettersEarlier = 0;

  constructor(
    readonly services: Services,
    private readonly overrides: Record<string, string> = {},
  ) {
    const brokers = (overrides.KAFKA_BROKERS ?? services.kafka.brokers).split(',');
    this.kafka = new Kafka({
      clientId: randomName('faults'),
      brokers,
      logLevel: logLevel.NOTHING,
      retry: { retries: 8 },
      connectionTimeout: 3_000,
      requestTimeout: 10_000,
    });
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.apiPort}`;
  }

  async start(): Promise<void> {
    const { kafka, postgres, redis } = this.services;
    [this.db, this.ports, this.apiPort] = await Promise.all([
      createTestDatabase(postgres),
      workerPorts(),
      getFreePort(),
    ]);
    this.env = workerEnv(
      { topic: this.topic, database: this.db.name, ports: this.ports, group: this.group },
      {
        KAFKA_BROKERS: kafka.brokers,
        POSTGRES_PORT: String(postgres.port),
        REDIS_PORT: String(redis.port),
        POSTGRES_CONNECT_TIMEOUT_MS: '1000',
        KAFKA_TOPIC_PARTITIONS: '4',
        WORKERS: '2',
        RATE_LIMIT_RPS: '0',
        PORT: String(this.apiPort),
        ...this.overrides,
      },
    );
    this.worker = await portRace(async () => {
      this.ports = await workerPorts();
      const { healthPort, metricsPort } = this.ports;
      Object.assign(this.env, { HEALTH_CHECK_PORT: String(healthPort), METRICS_PORT: String(metricsPort) });
      return startApp('worker', this.env, this.ports.readyUrl, 90_000);
    });
    await this.startApi();
  }

  /** Starts the API (again); new ports when one it picked was taken meanwhile (the machine is shared). */
  async startApi(): Promise<void> {
    this.api = await portRace(
      async () => {
        const [health, metrics] = [await getFreePort(), await getFreePort()];
        return startApp(
          'ingest-api',
          { ...this.env, HEALTH_CHECK_PORT: String(health), METRICS_PORT: String(metrics) },
          `${this.apiUrl}/ready`,
          90_000,
        );
      },
      async () => {
        this.apiPort = await getFreePort();
        this.env.PORT = String(this.apiPort);
      },
    );
  }

  async stop(): Promise<void> {
    await this.api?.stop();
    await this.worker?.stop();
    await this.db?.drop();
    const admin = this.kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [this.topic, `${this.topic}-dlq`] }).catch(() => undefined);
    await admin.disconnect();
  }

  /** Messages of a topic (high - low over its partitions); 0 when it does not exist. */
  private async size(topic: string): Promise<number> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      if (!(await admin.listTopics()).includes(topic)) return 0;
      return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
    } finally {
      await admin.disconnect();
    }
  }

  /** Each partition's leader (node id), for the cluster scenarios. */
  async leaders(): Promise<Record<number, number>> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const [topic] = (await admin.fetchTopicMetadata({ topics: [this.topic] })).topics;
      return Object.fromEntries(topic.partitions.map((p) => [p.partitionId, p.leader]));
    } finally {
      await admin.disconnect();
    }
  }

  private async marks(): Promise<Marks> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return await admin.fetchTopicOffsets(this.topic);
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Call when the fault is healed: resolves with the ms from now until the store groups committed
   * the high watermarks of this moment (or with the error if they did not within timeoutMs).
   */
  watchCatchUp(timeoutMs: number): Promise<number | Error> {
    const healedAt = Date.now();
    const watch = async () => {
      const marks = await waitFor(() => this.marks(), timeoutMs, 250, "the topic's high watermarks");
      await waitFor(() => this.caughtUp(marks), timeoutMs, 250, "the consumers to catch up with the fault's backlog");
      return Date.now() - healedAt;
    };
    return watch().catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
  }

  /** Caught up: every store's group committed the given (default: the current) high watermark of every partition. */
  async caughtUp(given?: Marks): Promise<boolean> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const marks = given ?? (await admin.fetchTopicOffsets(this.topic));
      for (const store of (this.env.STORAGE_TYPE ?? 'postgres').split(',')) {
        const [offsets] = await admin.fetchOffsets({ groupId: `${this.group}-${store.trim()}`, topics: [this.topic] });
        const committed = new Map((offsets?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
        if (!marks.every((m) => BigInt(m.high) === 0n || (committed.get(m.partition) ?? -1n) >= BigInt(m.high)))
          return false;
      }
      return true;
    } finally {
      await admin.disconnect();
    }
  }

  /** Reads the whole events topic with a throwaway group and reports where the given event ids are. */
  private async locate(ids: Set<string>): Promise<NonNullable<Accounting['lostInTopic']>> {
    const admin = this.kafka.admin();
    await admin.connect();
    const marks = await admin.fetchTopicOffsets(this.topic);
    const [offsets] = await admin.fetchOffsets({ groupId: `${this.group}-postgres`, topics: [this.topic] });
    await admin.disconnect();
    const committed = Object.fromEntries((offsets?.partitions ?? []).map((p) => [p.partition, p.offset]));
    const ends = new Map(marks.map((m) => [m.partition, BigInt(m.high)]));
    const done = new Set(marks.filter((m) => BigInt(m.high) === BigInt(m.low)).map((m) => m.partition));
    const positions: string[] = [];
    const consumer = this.kafka.consumer({ groupId: randomName('faults-locate') });
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: true });
    let finish!: () => void;
    const finished = new Promise<void>((r) => (finish = r));
    if (done.size === marks.length) finish();
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const id = message.headers?.['event-id']?.toString();
        if (id !== undefined && ids.has(id)) positions.push(`${partition}@${message.offset}`);
        if (BigInt(message.offset) + 1n >= (ends.get(partition) ?? 0n)) done.add(partition);
        if (done.size === marks.length) finish();
      },
    });
    // The bound's timer is cleared: left running, it held Jest's process up to 2 minutes after the run.
    let bound: NodeJS.Timeout | undefined;
    await Promise.race([finished, new Promise((r) => (bound = setTimeout(r, 120_000)))]);
    clearTimeout(bound);
    await consumer.disconnect();
    return { found: positions.length, positions: positions.slice(0, 40), committed };
  }

  /** since: the end of the load; catchUpMs: from watchCatchUp (the end of the load when there is none). */
  async account(
    load: LoadResult,
    since: number,
    timeoutMs: number,
    catchUp?: Promise<number | Error>,
  ): Promise<Accounting> {
    await waitFor(() => this.caughtUp(), timeoutMs, 250, 'the consumers to catch up');
    const drainMs = Math.max(0, Date.now() - since);
    const fromHeal = await catchUp;
    if (fromHeal instanceof Error) throw fromHeal;
    const catchUpMs = fromHeal ?? drainMs;
    const { rows } = await this.db.pool.query<{
      event_id: string;
      n: number;
    }>(`SELECT event_id, count(*)::int AS n FROM (
      SELECT event_id FROM usage_reports UNION ALL SELECT event_id FROM analytics_events UNION ALL SELECT event_id FROM metric_samples) t
      GROUP BY event_id`);
    const stored = new Map(rows.map((r) => [r.event_id, r.n]));
    let lost = 0;
    let duplicated = 0;
    let found = 0;
    const lostIds = new Set<string>();
    for (const [id, event] of load.acknowledged) {
      const expected = event.rows;
      const n = stored.get(id);
      if (n === undefined) {
        lost++;
        lostIds.add(id);
      } else {
        found++;
        duplicated += Math.max(0, n - expected);
      }
    }
    // Stored but never answered 2xx (a request that timed out after Kafka had it): not a duplicate.
    const unacknowledgedStored = [...stored.keys()].filter(
      (id) => !load.acknowledged.has(id) && !this.earlier.has(id),
    ).length;
    const letters = await this.size(`${this.topic}-dlq`);
    const deadLettered = letters - this.lettersEarlier;
    this.lettersEarlier = letters;
    for (const id of load.acknowledged.keys()) this.earlier.add(id);
    const lostInTopic = lostIds.size > 0 && deadLettered === 0 ? await this.locate(lostIds) : undefined;
    return {
      acknowledged: load.acknowledged.size,
      stored: found,
      lost: Math.max(0, lost - deadLettered),
      duplicated,
      deadLettered,
      catchUpMs,
      drainMs,
      unacknowledgedStored,
      lostInTopic,
    };
  }
}
