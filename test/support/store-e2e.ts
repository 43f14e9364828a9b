/**
 * End-to-end helpers for the store suites: the built ingest API and worker on a topic of
 * their own, client traffic on the real client routes (Grafana usage report, analytics panel,
 * Pushgateway), and consumer-group lag read from Kafka itself.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { RunningApp, TEST_API_KEY, getFreePort, randomName, startApp, waitFor } from './apps';
import { deleteTopics, kafkaClient, workerEnv, workerPorts, WorkerPorts } from './pipeline-harness';

const fixture = (name: string) =>
  JSON.parse(readFileSync(join(__dirname, '../fixtures/samples', name), 'utf8')) as Record<string, unknown>;
const auth = { authorization: `Bearer ${TEST_API_KEY}` };

export interface Pipeline {
  kafka: Kafka;
  topic: string;
  apiUrl: string;
  worker: RunningApp;
  ports: WorkerPorts;
  /** KAFKA_CONSUMER_GROUP of the running worker; each store's group is `<group>-<store>`. */
  group: string;
  /** Replaces the worker; a new group (and Redis prefix) makes it re-read the topic from the start. */
  restartWorker(opts?: { newGroup?: boolean; freshDedupe?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

/** Ingest API + worker (WORKERS=1) on a fresh topic, with the given store settings. */
export async function startPipeline(storeEnv: Record<string, string>, database = 'usage_stats'): Promise<Pipeline> {
  const kafka = kafkaClient();
  const topic = randomName('st-e2e');
  let ports = await workerPorts();
  let group = randomName('st-group');
  let dedupePrefix = randomName('st-dedupe');
  const envFor = () =>
    workerEnv(
      { topic, database, ports, group },
      { KAFKA_TOPIC_PARTITIONS: '3', REDIS_KEY_PREFIX: dedupePrefix, ...storeEnv },
    );
  let worker = await startApp('worker', envFor(), ports.readyUrl, 90_000);
  const apiPort = await getFreePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const api = await startApp(
    'ingest-api',
    {
      ...envFor(),
      PORT: String(apiPort),
      HEALTH_CHECK_PORT: String(await getFreePort()),
      METRICS_PORT: String(await getFreePort()),
      RATE_LIMIT_RPS: '0',
    },
    `${apiUrl}/ready`,
    60_000,
  );
  const pipeline: Pipeline = {
    kafka,
    topic,
    apiUrl,
    worker,
    ports,
    group,
    async restartWorker(opts = {}) {
      await worker.stop();
      if (opts.newGroup) group = randomName('st-group');
      if (opts.freshDedupe) dedupePrefix = randomName('st-dedupe');
      ports = await workerPorts();
      worker = await startApp('worker', envFor(), ports.readyUrl, 90_000);
      Object.assign(pipeline, { worker, ports, group });
    },
    async stop() {
      await Promise.all([api.stop(), worker.stop()]);
      await deleteTopics(kafka, [topic, `${topic}-dlq`]);
    },
  };
  return pipeline;
}

export interface Traffic {
  /** Event ids the API answered with (x-event-id), each once. */
  ids: string[];
  usageReports: number;
  panelEvents: number;
  /** Panel sessions (one start and one end each). */
  sessions: number;
  pushes: number;
  /** Samples per push (one gauge and one counter). */
  samplesPerPush: number;
  /** Messages produced: every request was sent twice, like a client retrying. */
  messages: number;
}

async function send(url: string, init: RequestInit, expected: number): Promise<string> {
  const res = await fetch(url, init);
  const id = res.headers.get('x-event-id');
  if (res.status !== expected || !id)
    throw new Error(`${init.method} ${url} answered ${res.status}: ${await res.text()}`);
  return id;
}

/** Usage reports, panel sessions (start, end) and pushes on their real routes, each request twice. */
export async function sendClientTraffic(
  apiUrl: string,
  n: { usageReports: number; sessions: number; pushes: number },
): Promise<Traffic> {
  const requests: Array<() => Promise<string>> = [];
  const report = fixture('grafana-usage-report.json');
  for (let i = 0; i < n.usageReports; i++) {
    const body = JSON.stringify(
      {
        ...report,
        usageStatsId: randomUUID(),
        metrics: { ...(report.metrics as object), 'stats.dashboards.count': i },
      },
      null,
      1,
    );
    requests.push(() =>
      send(
        `${apiUrl}/grafana-usage-report`,
        { method: 'POST', body, headers: { ...auth, 'content-type': 'application/json' } },
        200,
      ),
    );
  }
  const panel = fixture('analytics-panel-start.json');
  const t0 = Math.floor(Date.now() / 1000) - 300;
  for (let i = 0; i < n.sessions; i++) {
    const uuid = randomUUID();
    for (const [type, time] of [
      ['start', t0 + i],
      ['end', t0 + i + 30],
    ] as const) {
      const body = JSON.stringify({ ...panel, uuid, type, time, dashboard: { name: 'E2E board', uid: 'e2e-board' } });
      requests.push(() =>
        send(
          `${apiUrl}/write?key=${TEST_API_KEY}`,
          { method: 'POST', body, headers: { 'content-type': 'text/plain' } },
          201,
        ),
      );
    }
  }
  for (let i = 0; i < n.pushes; i++) {
    const body = `# TYPE e2e_temperature gauge\ne2e_temperature{sensor="s${i}"} ${20 + i}\n# TYPE e2e_jobs_total counter\ne2e_jobs_total{sensor="s${i}"} ${i}\n`;
    requests.push(() =>
      send(`${apiUrl}/metrics/job/e2e/instance/node-${i}`, { method: 'PUT', body, headers: auth }, 202),
    );
  }
  const ids: string[] = [];
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < requests.length; i += 10)
      ids.push(...(await Promise.all(requests.slice(i, i + 10).map((r) => r()))));
  }
  return {
    ids: [...new Set(ids)],
    usageReports: n.usageReports,
    panelEvents: 2 * n.sessions,
    sessions: n.sessions,
    pushes: n.pushes,
    samplesPerPush: 2,
    messages: ids.length,
  };
}

/** Messages of `topic` the group has not committed yet. */
export async function groupLag(kafka: Kafka, groupId: string, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [ends, [committed]] = await Promise.all([
      admin.fetchTopicOffsets(topic),
      admin.fetchOffsets({ groupId, topics: [topic] }),
    ]);
    return ends.reduce((lag, p) => {
      const c = committed.partitions.find((x) => x.partition === p.partition);
      const at = c && Number(c.offset) >= 0 ? Number(c.offset) : Number(p.low);
      return lag + Number(p.high) - at;
    }, 0);
  } finally {
    await admin.disconnect();
  }
}

/** Waits until the store's group has committed everything on the topic. */
export function waitForCaughtUp(p: Pipeline, store: string, timeoutMs = 120_000): Promise<true> {
  return waitFor(
    async () => (await groupLag(p.kafka, `${p.group}-${store}`, p.topic)) === 0,
    timeoutMs,
    500,
    `${store} group caught up`,
  );
}

/** Messages on the dead-letter topic. */
export async function deadLetters(p: Pipeline): Promise<number> {
  const admin = p.kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(`${p.topic}-dlq`).catch(() => []);
    return offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
  } finally {
    await admin.disconnect();
  }
}
