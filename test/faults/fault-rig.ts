/**
 * One fault scenario's pipeline on private throwaway services (never the shared stack): its
 * own topic, consumer group and database; the built API and worker; and the accounting that
 * compares what the API acknowledged with what PostgreSQL and the dead-letter topic hold.
 */
import { Kafka, logLevel } from 'kafkajs';
import { getFreePort, randomName, RunningApp, startApp, waitFor } from '../support/apps';
import { createTestDatabase, TestDatabase, workerEnv, workerPorts, WorkerPorts } from '../support/pipeline-harness';
import type { KafkaService, PostgresService, RedisService } from '../support/services';
import type { LoadResult } from './fault-load';

export interface Services {
  kafka: KafkaService;
  postgres: PostgresService;
  redis: RedisService;
}

export interface Accounting {
  acknowledged: number;
  /** Distinct acknowledged event ids found in PostgreSQL. */
  stored: number;
  /** Acknowledged, neither stored nor dead-lettered. */
  lost: number;
  /** Rows beyond the ones the stored events should have. */
  duplicated: number;
  deadLettered: number;
  /** From the end of the load (and of the fault) until the consumers committed the topic's end. */
  catchUpMs: number;
  unacknowledgedStored: number;
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

  constructor(readonly services: Services, private readonly overrides: Record<string, string> = {}) {
    this.kafka = new Kafka({ clientId: randomName('faults'), brokers: [services.kafka.brokers], logLevel: logLevel.NOTHING, retry: { retries: 8 } });
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.apiPort}`;
  }

  async start(): Promise<void> {
    const { kafka, postgres, redis } = this.services;
    [this.db, this.ports, this.apiPort] = await Promise.all([createTestDatabase(postgres), workerPorts(), getFreePort()]);
    this.env = workerEnv({ topic: this.topic, database: this.db.name, ports: this.ports, group: this.group }, {
      KAFKA_BROKERS: kafka.brokers, POSTGRES_PORT: String(postgres.port), REDIS_PORT: String(redis.port), POSTGRES_CONNECT_TIMEOUT_MS: '1000',
      KAFKA_TOPIC_PARTITIONS: '4', WORKERS: '2', RATE_LIMIT_RPS: '0', PORT: String(this.apiPort), ...this.overrides,
    });
    this.worker = await startApp('worker', this.env, this.ports.readyUrl, 90_000);
    await this.startApi();
  }

  async startApi(): Promise<void> {
    const [health, metrics] = [await getFreePort(), await getFreePort()];
    this.api = await startApp('ingest-api', { ...this.env, HEALTH_CHECK_PORT: String(health), METRICS_PORT: String(metrics) }, `${this.apiUrl}/ready`, 90_000);
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

  /** Caught up: every store's group committed the high watermark of every partition. */
  async caughtUp(): Promise<boolean> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const marks = await admin.fetchTopicOffsets(this.topic);
      for (const store of (this.env.STORAGE_TYPE ?? 'postgres').split(',')) {
        const [offsets] = await admin.fetchOffsets({ groupId: `${this.group}-${store.trim()}`, topics: [this.topic] });
        const committed = new Map((offsets?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
        if (!marks.every((m) => BigInt(m.high) === 0n || (committed.get(m.partition) ?? -1n) >= BigInt(m.high))) return false;
      }
      return true;
    } finally {
      await admin.disconnect();
    }
  }

  async account(load: LoadResult, since: number, timeoutMs: number): Promise<Accounting> {
    await waitFor(() => this.caughtUp(), timeoutMs, 250, 'the consumers to catch up');
    const catchUpMs = Math.max(0, Date.now() - since);
    const { rows } = await this.db.pool.query<{ event_id: string; n: number }>(`SELECT event_id, count(*)::int AS n FROM (
      SELECT event_id FROM usage_reports UNION ALL SELECT event_id FROM analytics_events UNION ALL SELECT event_id FROM metric_samples) t
      GROUP BY event_id`);
    const stored = new Map(rows.map((r) => [r.event_id, r.n]));
    let lost = 0;
    let duplicated = 0;
    let found = 0;
    for (const [id, event] of load.acknowledged) {
      const expected = event.rows;
      const n = stored.get(id);
      if (n === undefined) lost++;
      else {
        found++;
        duplicated += Math.max(0, n - expected);
      }
    }
    // Stored but never answered 2xx (a request that timed out after Kafka had it): not a duplicate.
    const unacknowledgedStored = [...stored.keys()].filter((id) => !load.acknowledged.has(id)).length;
    const deadLettered = await this.size(`${this.topic}-dlq`);
    return {
      acknowledged: load.acknowledged.size, stored: found, lost: Math.max(0, lost - deadLettered), duplicated, deadLettered, catchUpMs, unacknowledgedStored,
    };
  }
}
