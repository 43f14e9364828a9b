import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RunningApp, TEST_API_KEY, getFreePort, randomName, startApp, waitFor } from '../support/apps';
import { Landed, TopicReader } from '../support/ingest-harness';
import {
  TestDatabase,
  createTestDatabase,
  deleteTopics,
  kafkaClient,
  workerEnv,
  workerPorts,
} from '../support/pipeline-harness';

/**
 * Acceptance with the official client libraries, configured as their documentation shows
 * (docs/clients.md), against the built ingest API and worker, the real Kafka and PostgreSQL:
 * client_golang, prometheus_client (Python) and prometheus-metrics-exporter-pushgateway (Java)
 * with Basic auth and job names that need /metrics/job@base64/, then the analytics panel's and
 * Grafana's lenient shapes. Each push must reach the topic and metric_samples.
 */
const ROOT = join(__dirname, '../..');
const GO_DIR = join(ROOT, 'test/fixtures/prometheus-push');
const JAVA_DIR = join(ROOT, 'test/fixtures/java-pushgateway');
const PYTHON = join(ROOT, '.local/venv/bin/python');
const PYTHON_CLIENT = join(GO_DIR, 'push_client.py');
const PUSH_KEY = 'push-only-key-0123456789abcdef';
const PANEL_KEY = 'panel-only-key-0123456789abcdef';
const fixture = (name: string) => readFileSync(join(ROOT, 'test/fixtures/samples', name));
const run = promisify(execFile);

type Family = { name: string; type: string };
type Push = { op: string; job: string; grouping: Record<string, string>; families: Family[] };
const pushOf = (l: Landed) => l.envelope.payload as Push;
const familiesOf = (l: Landed) => pushOf(l).families.map((f) => [f.name, f.type]);
const lines = (stdout: string) => stdout.trim().split('\n');

describe('stock clients -> ingest API -> Kafka -> worker -> PostgreSQL', () => {
  const kafka = kafkaClient();
  const topic = randomName('stock-clients');
  let db: TestDatabase;
  let api: RunningApp;
  let worker: RunningApp;
  let reader: TopicReader;
  let url: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    const ports = await workerPorts();
    const env = workerEnv(
      { topic, database: db.name, ports },
      {
        KAFKA_TOPIC_PARTITIONS: '3',
        API_KEY: `${TEST_API_KEY},${PUSH_KEY}:push,${PANEL_KEY}:panel`,
        PUBLIC_ROUTES: 'report',
      },
    );
    worker = await startApp('worker', env, ports.readyUrl, 60_000);
    const apiPort = await getFreePort();
    url = `http://127.0.0.1:${apiPort}`;
    api = await startApp(
      'ingest-api',
      {
        ...env,
        PORT: String(apiPort),
        HEALTH_CHECK_PORT: String(await getFreePort()),
        METRICS_PORT: String(await getFreePort()),
        RATE_LIMIT_RPS: '0',
      },
      `${url}/ready`,
      60_000,
    );
    reader = await new TopicReader('localhost:9092', topic).start();
  });

  afterAll(async () => {
    await reader?.stop();
    await api?.stop();
    await worker?.stop();
    await db?.drop();
    await deleteTopics(kafka, [topic, `${topic}-dlq`]);
  });

  /** The put, post and delete of one job, once all three are on the topic. */
  const landedPushes = async (job: string) => {
    const landed = await reader.waitFor(3, (l) => l.envelope.kind === 'metrics' && pushOf(l).job === job, 60_000);
    return Object.fromEntries(landed.map((l) => [pushOf(l).op, l])) as Record<'put' | 'post' | 'delete', Landed>;
  };

  /** At least `n` rows of a query, once the worker wrote them. */
  const rowsOf = <T>(sql: string, params: unknown[], n: number): Promise<T[]> =>
    waitFor(
      async () => {
        const { rows } = await db.pool.query(sql, params);
        return rows.length >= n ? (rows as T[]) : undefined;
      },
      60_000,
      250,
      `${n} row(s) for ${sql}`,
    );

  /** name, value and job of the samples stored for one event. */
  const storedSamples = (eventId: string, names: string[]) =>
    rowsOf<{ name: string; value: number; job: string }>(
      'SELECT name, value, job FROM metric_samples WHERE event_id = $1 AND name = ANY($2) ORDER BY name',
      [eventId, names],
      names.length,
    );

  it('client_golang: BasicAuth, job with "/", protobuf PUT, text POST, DELETE', async () => {
    const { stdout } = await run('go', ['run', '.', 'push', url, PUSH_KEY, 'nightly/backup'], {
      cwd: GO_DIR,
      env: { ...process.env, GOFLAGS: '-mod=mod' },
      timeout: 300_000,
    });
    expect(lines(stdout)).toEqual(['put-protobuf ok', 'post-text ok', 'delete ok']);
    const { put, post, delete: del } = await landedPushes('nightly/backup');
    expect(put.envelope.source.route).toBe('/metrics/job@base64/*');
    expect(Object.keys(pushOf(put).grouping)).toEqual(['instance']);
    expect(familiesOf(put)).toEqual([
      ['http_request_duration_seconds', 'histogram'],
      ['influxdb_buckets_total', 'counter'],
      ['influxdb_uptime_seconds', 'gauge'],
      ['rpc_duration_seconds', 'summary'],
    ]);
    expect(familiesOf(post)).toEqual([['backup_last_success_timestamp_seconds', 'gauge']]);
    expect(pushOf(del)).toMatchObject({ op: 'delete', families: [] });
    expect(await storedSamples(put.envelope.id, ['influxdb_buckets_total', 'influxdb_uptime_seconds'])).toEqual([
      { name: 'influxdb_buckets_total', value: 4, job: 'nightly/backup' },
      { name: 'influxdb_uptime_seconds', value: 1.5e6, job: 'nightly/backup' },
    ]);
    expect(await storedSamples(post.envelope.id, ['backup_last_success_timestamp_seconds'])).toEqual([
      { name: 'backup_last_success_timestamp_seconds', value: 1.7e9, job: 'nightly/backup' },
    ]);
  });

  it('prometheus_client (Python): basic_auth_handler, job with a space, gzip PUT, snappy POST, DELETE', async () => {
    const { stdout } = await run(PYTHON, [PYTHON_CLIENT, url, PUSH_KEY, 'nightly backup'], { timeout: 60_000 });
    expect(lines(stdout)).toEqual(['put-gzip ok', 'post-snappy ok', 'delete ok']);
    const { put, post } = await landedPushes('nightly backup');
    expect(put.envelope.source.route).toBe('/metrics/job@base64/*');
    expect(familiesOf(put)).toEqual([
      ['python_batch_last_success_unixtime', 'gauge'],
      ['python_batch_records_total', 'counter'],
      ['python_batch_records_created', 'gauge'],
    ]);
    for (const landed of [put, post]) {
      const names = ['python_batch_last_success_unixtime', 'python_batch_records_total'];
      expect(await storedSamples(landed.envelope.id, names)).toEqual([
        { name: 'python_batch_last_success_unixtime', value: 1.7e9, job: 'nightly backup' },
        { name: 'python_batch_records_total', value: 42, job: 'nightly backup' },
      ]);
    }
  });

  it('Java pushgateway exporter: basicAuth, job with "/", protobuf push, text pushAdd, delete', async () => {
    if (!existsSync(join(JAVA_DIR, 'target/dependency'))) {
      const fetchJars = [
        '-q',
        '-B',
        'dependency:copy-dependencies',
        '-DoutputDirectory=target/dependency',
        '-DincludeScope=runtime',
      ];
      await run('mvn', fetchJars, { cwd: JAVA_DIR, timeout: 480_000 });
    }
    const args = ['-cp', 'target/dependency/*', 'PushClient.java', url, PUSH_KEY, 'java/batch'];
    const { stdout } = await run('java', args, { cwd: JAVA_DIR, timeout: 120_000 });
    expect(lines(stdout)).toEqual(['put-protobuf ok', 'post-text ok', 'delete ok']);
    const { put, post } = await landedPushes('java/batch');
    expect(put.envelope.source.route).toBe('/metrics/job@base64/*');
    expect(Object.keys(pushOf(put).grouping)).toEqual(['instance']);
    expect(familiesOf(put)).toEqual([
      ['java_batch_duration_seconds', 'gauge'],
      ['java_batch_records_total', 'counter'],
    ]);
    for (const landed of [put, post]) {
      const names = ['java_batch_duration_seconds', 'java_batch_records_total'];
      expect(await storedSamples(landed.envelope.id, names)).toEqual([
        { name: 'java_batch_duration_seconds', value: 12.5, job: 'java/batch' },
        { name: 'java_batch_records_total', value: 42, job: 'java/batch' },
      ]);
    }
  });

  it("refuses the panel's key on the push routes a stock client uses", async () => {
    await expect(
      run(PYTHON, [PYTHON_CLIENT, url, PANEL_KEY, 'stolen panel key'], { timeout: 60_000 }),
    ).rejects.toMatchObject({ stderr: expect.stringContaining('HTTP Error 403') });
  });

  it('analytics panel: the reference shape, a flattened and a sparse payload answer 201 and land', async () => {
    const flat = {
      uuid: 'flat-e2e',
      type: 'start',
      time: 1618803734,
      'host.hostname': 'grafana.example',
      'dashboard.uid': 'd-e2e',
      'dashboard.name': 'Ops',
    };
    const sparse = { type: 'focus', time: 1618803800 };
    const ids: string[] = [];
    const bodies = [fixture('analytics-panel-reference-shape.json'), JSON.stringify(flat), JSON.stringify(sparse)];
    for (const body of bodies) {
      const headers = { 'content-type': 'text/plain;charset=UTF-8' };
      const res = await fetch(`${url}/write?key=${PANEL_KEY}`, { method: 'POST', body, headers });
      expect([res.status, await res.text()]).toEqual([201, '']);
      ids.push(res.headers.get('x-event-id')!);
    }
    type Row = { event_id: string; session_uuid: string | null; event_type: string; dashboard_uid: string | null };
    const rows = await rowsOf<Row>(
      'SELECT event_id, session_uuid, event_type, dashboard_uid FROM analytics_events WHERE event_id = ANY($1)',
      [ids],
      3,
    );
    const byId = Object.fromEntries(rows.map((r) => [r.event_id, r]));
    expect(ids.map((id) => byId[id])).toEqual([
      { event_id: ids[0], session_uuid: '', event_type: 'heartbeat', dashboard_uid: 'b_1UbypGz' },
      { event_id: ids[1], session_uuid: 'flat-e2e', event_type: 'start', dashboard_uid: 'd-e2e' },
      { event_id: ids[2], session_uuid: null, event_type: 'heartbeat', dashboard_uid: null },
    ]);
  });

  it('Grafana: a report with an odd version and an empty usageStatsId answers 200, lands with both', async () => {
    const sample = JSON.parse(fixture('grafana-usage-report.json').toString()) as Record<string, unknown>;
    const body = JSON.stringify({ ...sample, version: '12.0.0-pre+fork', usageStatsId: '' }, null, 2);
    const headers = { 'content-type': 'application/json' };
    const res = await fetch(`${url}/grafana-usage-report`, { method: 'POST', body, headers });
    expect([res.status, await res.json()]).toEqual([200, { message: 'ok' }]);
    const [row] = await rowsOf<{ version: string; version_normalized: string; instance_id: string }>(
      'SELECT version, version_normalized, instance_id FROM usage_reports WHERE event_id = $1',
      [res.headers.get('x-event-id')],
      1,
    );
    expect(row).toEqual({ version: '12.0.0-pre+fork', version_normalized: '12_0_0', instance_id: '' });
  });
});
