/**
 * Helpers for the worker's integration and e2e suites: per-test databases, envelopes of all
 * three kinds carrying personal data (to prove the anonymizer), producing to and reading
 * from topics, and counting what reached PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import { IHeaders, Kafka, logLevel, Partitioners } from 'kafkajs';
import { Pool } from 'pg';
import { encodeEnvelope, Envelope, eventIdFor, EventKind, HEADERS } from '@app/contracts';
import { baseEnv, getFreePort, randomName, waitFor } from './apps';
import { sharedStack } from './services';

export interface PgTarget {
  host: string;
  port: number;
  user: string;
  password: string;
}

export interface TestDatabase {
  name: string;
  pool: Pool;
  drop(): Promise<void>;
}

/** A database of its own on the given server (shared stack by default), dropped afterwards. */
export async function createTestDatabase(target: PgTarget = sharedStack.postgres): Promise<TestDatabase> {
  const name = randomName('wk').toLowerCase();
  const admin = new Pool({ ...target, database: 'usage_stats', max: 1 });
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const pool = new Pool({ ...target, database: name, max: 3 });
  pool.on('error', () => undefined);
  return {
    name,
    pool,
    async drop() {
      await pool.end().catch(() => undefined);
      const a = new Pool({ ...target, database: 'usage_stats', max: 1 });
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await a.end();
    },
  };
}

/** Personal data each generated event carries; none of it may reach a stored row when anonymizing. */
export interface Pii {
  logins: string[];
  emails: string[];
  names: string[];
  ips: string[];
  usageStatsIds: string[];
  hostnames: string[];
}

const emptyPii = (): Pii => ({ logins: [], emails: [], names: [], ips: [], usageStatsIds: [], hostnames: [] });

export interface GeneratedEvent {
  kind: EventKind;
  /** The client's id for the item (stable across resends). */
  clientId: string;
  payload: Record<string, unknown>;
  ip: string;
  /** Rows it becomes in PostgreSQL. */
  rows: number;
}

/** `n` distinct events, kinds in rotation, each with its own identities and PII. */
export function generateEvents(n: number, seed = randomUUID().slice(0, 8)): { events: GeneratedEvent[]; pii: Pii } {
  const pii = emptyPii();
  const events: GeneratedEvent[] = [];
  for (let i = 0; i < n; i++) {
    const tag = `${seed}x${i}`;
    const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    pii.ips.push(ip);
    const kind = (['usage_report', 'analytics', 'metrics'] as const)[i % 3];
    if (kind === 'usage_report') {
      const usageStatsId = randomUUID();
      pii.usageStatsIds.push(usageStatsId);
      events.push({
        kind,
        clientId: tag,
        ip,
        rows: 1,
        payload: {
          version: '11_3_0',
          os: 'linux',
          arch: 'amd64',
          edition: 'oss',
          packaging: 'deb',
          hasValidLicense: false,
          usageStatsId,
          metrics: {
            'stats.dashboards.count': i,
            'stats.note': `admin mail ops${tag}@corp.example`,
            'stats.ds.prometheus.count': 1,
          },
        },
      });
    } else if (kind === 'analytics') {
      const login = `login${tag}`,
        email = `mail${tag}@example.org`,
        name = `Name${tag}`,
        hostname = `grafana-${tag}.corp.internal`;
      pii.logins.push(login);
      pii.emails.push(email);
      pii.names.push(name);
      pii.hostnames.push(hostname);
      events.push({
        kind,
        clientId: tag,
        ip,
        rows: 1,
        payload: {
          uuid: randomUUID(),
          type: 'start',
          hasFocus: true,
          time: 1_700_000_000 + i,
          host: {
            hostname,
            port: '3000',
            protocol: 'https:',
            buildInfo: { version: '11.3.0', env: 'production', edition: 'Open Source' },
          },
          dashboard: { name: `Board of ${email} at ${ip}`, uid: `uid-${i}-${randomUUID().slice(0, 8)}` },
          user: {
            id: 1000 + i,
            login,
            email,
            name,
            orgRole: 'Editor',
            timezone: 'browser',
            locale: 'en-US',
            lightTheme: i % 2 === 0,
          },
          variables: [{ name: 'owner', values: [email] }],
          timeZone: 'utc',
        },
      });
    } else {
      const hostname = `node-${tag}.corp.internal`;
      pii.hostnames.push(hostname);
      events.push({
        kind,
        clientId: tag,
        ip,
        rows: 2,
        payload: {
          op: 'put',
          job: 'node',
          grouping: { instance: hostname },
          families: [
            {
              name: 'up',
              type: 'gauge',
              samples: [
                { name: 'up', labels: { instance: hostname, contact: email(tag) }, value: 1 },
                { name: 'up', labels: { instance: hostname, peer: ip }, value: 0 },
              ],
            },
          ],
        },
      });
    }
  }
  return { events, pii };
}

const email = (tag: string) => `owner${tag}@example.net`;

/** The envelope the API would make of an event (for producing straight to the topic). */
export function envelopeOf(e: GeneratedEvent, receivedAt = Date.now()): Envelope {
  const id = eventIdFor(e.kind, e.payload, { receivedAt, clientId: e.clientId });
  return {
    v: 1,
    id,
    kind: e.kind,
    receivedAt,
    correlationId: randomUUID(),
    source: { route: '/api/v1/ingest', ip: e.ip },
    payload: e.payload,
  } as Envelope;
}

export interface RawMessage {
  key?: string | null;
  value: Buffer | string | null;
  headers?: IHeaders;
}

export function kafkaClient(brokers = sharedStack.kafkaBrokers): Kafka {
  return new Kafka({ clientId: randomName('wk-test'), brokers: [brokers], logLevel: logLevel.NOTHING });
}

export async function createTopics(kafka: Kafka, topics: Array<{ topic: string; partitions: number }>): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: topics.map((t) => ({ topic: t.topic, numPartitions: t.partitions })),
    waitForLeaders: true,
  });
  await admin.disconnect();
}

export async function deleteTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
}

/** Produces envelopes (keyed like the API does) and raw messages, in chunks, with acks=all; to one partition if given. */
export async function produce(
  kafka: Kafka,
  topic: string,
  items: Array<Envelope | RawMessage>,
  chunk = 500,
  partition?: number,
): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    for (let i = 0; i < items.length; i += chunk) {
      const messages = items
        .slice(i, i + chunk)
        .map((item) =>
          'v' in item && 'kind' in item
            ? {
                key: item.id,
                value: encodeEnvelope(item),
                headers: { [HEADERS.kind]: item.kind, [HEADERS.eventId]: item.id },
              }
            : { key: item.key ?? null, value: item.value, headers: item.headers },
        )
        .map((m) => ({ ...m, partition }));
      await producer.send({ topic, acks: -1, messages });
    }
  } finally {
    await producer.disconnect();
  }
}

export interface ReadMessage {
  key: string | null;
  value: Buffer | null;
  partition: number;
  headers: Record<string, string>;
  /** Header values as Kafka delivered them (binary ones, such as dlq-sealed, intact). */
  rawHeaders: Record<string, Buffer | string | Array<Buffer | string> | undefined>;
}

/** Reads a whole topic from the start until `count` messages arrived. */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  count: number,
  timeoutMs = 30_000,
): Promise<ReadMessage[]> {
  const consumer = kafka.consumer({ groupId: randomName('wk-reader') });
  const out: ReadMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
      out.push({
        key: message.key?.toString() ?? null,
        value: message.value,
        partition,
        headers,
        rawHeaders: message.headers ?? {},
      });
    },
  });
  try {
    await waitFor(() => out.length >= count, timeoutMs, 100, `${count} message(s) on ${topic}`);
    return out;
  } finally {
    await consumer.disconnect();
  }
}

export interface StoredCounts {
  usageReports: number;
  analyticsEvents: number;
  metricSamples: number;
  /** Distinct event ids over the three tables: the logical events. */
  logicalEvents: number;
}

export async function storedCounts(pool: Pool): Promise<StoredCounts> {
  const { rows } = await pool.query(`SELECT
    (SELECT count(*) FROM usage_reports)::int AS u, (SELECT count(*) FROM analytics_events)::int AS a, (SELECT count(*) FROM metric_samples)::int AS m,
    (SELECT count(DISTINCT event_id) FROM (SELECT event_id FROM usage_reports UNION ALL SELECT event_id FROM analytics_events
      UNION ALL SELECT event_id FROM metric_samples) t)::int AS l`);
  return { usageReports: rows[0].u, analyticsEvents: rows[0].a, metricSamples: rows[0].m, logicalEvents: rows[0].l };
}

/** Every stored row of the three tables and the push group state as JSON text, for PII scans. */
export async function dumpRows(pool: Pool): Promise<string[]> {
  const tables = ['usage_reports', 'analytics_events', 'metric_samples', 'push_groups', 'push_group_samples'];
  const out: string[] = [];
  for (const t of tables) {
    const { rows } = await pool.query(`SELECT row_to_json(x)::text AS j FROM ${t} x`);
    out.push(...rows.map((r) => r.j as string));
  }
  return out;
}

/** Waits until PostgreSQL holds `logical` events (tables must exist: the worker migrates them). */
export async function waitForStored(pool: Pool, logical: number, timeoutMs: number): Promise<StoredCounts> {
  return waitFor(
    async () => {
      const c = await storedCounts(pool);
      return c.logicalEvents >= logical ? c : undefined;
    },
    timeoutMs,
    250,
    `${logical} logical events in PostgreSQL`,
  );
}

export interface WorkerPorts {
  healthPort: number;
  metricsPort: number;
  readyUrl: string;
  metricsUrl: string;
}

export async function workerPorts(): Promise<WorkerPorts> {
  const [healthPort, metricsPort] = [await getFreePort(), await getFreePort()];
  return {
    healthPort,
    metricsPort,
    readyUrl: `http://127.0.0.1:${healthPort}/ready`,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
  };
}

/** Environment of a worker on its own topic, group, database and Redis key prefix. */
export function workerEnv(
  opts: { topic: string; database: string; ports: WorkerPorts; group?: string },
  overrides: Record<string, string> = {},
): Record<string, string> {
  return baseEnv({
    KAFKA_TOPIC: opts.topic,
    KAFKA_DEAD_LETTER_TOPIC: `${opts.topic}-dlq`,
    KAFKA_CONSUMER_GROUP: opts.group ?? randomName('wk-group'),
    KAFKA_PROVISION_TOPICS: 'true',
    POSTGRES_DB: opts.database,
    REDIS_KEY_PREFIX: randomName('wk-dedupe'),
    HEALTH_CHECK_PORT: String(opts.ports.healthPort),
    METRICS_PORT: String(opts.ports.metricsPort),
    WORKERS: '1',
    WORKER_SESSION_TIMEOUT_MS: '6000',
    WORKER_HEARTBEAT_INTERVAL_MS: '1000',
    WORKER_RETRY_INITIAL_MS: '200',
    WORKER_RETRY_MAX_MS: '2000',
    WORKER_FETCH_MAX_WAIT_MS: '200',
    ...overrides,
  });
}

export interface ReadyBody {
  status: string;
  processes: Array<{
    pid: number;
    ready: boolean;
    redisOk: boolean | null;
    stores: Array<{ store: string; joined: boolean; partitions: number[]; storeOk: boolean; written: number }>;
  }>;
}

export async function readyBody(url: string): Promise<{ status: number; body: ReadyBody }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as ReadyBody };
}

/** Sum of a counter in Prometheus text, over every label set matching `labels`. */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .filter((l) => Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}
