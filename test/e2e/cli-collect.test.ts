import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getFreePort, randomName, RunningApp, startApp, TEST_API_KEY, waitFor } from '../support/apps';
import { startIngestApi, TopicReader, IngestUnderTest } from '../support/ingest-harness';
import {
  createTestDatabase,
  deleteTopics,
  kafkaClient,
  metricSum,
  TestDatabase,
  waitForStored,
  workerEnv,
  WorkerPorts,
  workerPorts,
} from '../support/pipeline-harness';
import { cliEnv, runCli, startCli } from './cli-harness';

interface TargetResult {
  target: string;
  outcome: string;
  status?: number;
  durationMs: number;
  eventId?: string;
  detail?: string;
}

const PREVIEW = '/api/admin/usage-report-preview';
const recorded = readFileSync(join(__dirname, '../fixtures/samples/grafana-usage-report.json'), 'utf8');
const first = JSON.parse(recorded) as Record<string, unknown>;
const second = { ...first, version: '11_3_0', usageStatsId: '0f3c9d2e-7b1a-4e8f-9c6d-5a4b3c2d1e0f' };

/**
 * A stand-in for Grafana's preview route, as pkg/infra/usagestats/service/api.go serves it: the
 * report as compact JSON to credentials it accepts (a service-account token; on the second
 * instance, as on Grafana OSS, a Grafana Admin user's Basic auth), 401 otherwise. Two instances
 * live under their own base paths; under /slow nothing ever answers.
 */
class FakeGrafana {
  readonly seen: Array<{ path: string; authorization?: string; userAgent?: string }> = [];
  private readonly hanging: ServerResponse[] = [];
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const { authorization, 'user-agent': userAgent } = req.headers;
    this.seen.push({ path: req.url ?? '', authorization, userAgent });
    if (req.url === `/slow${PREVIEW}`) {
      this.hanging.push(res);
      return;
    }
    const instances: Record<string, [string, unknown]> = {
      [PREVIEW]: ['Bearer glsa_first', first],
      [`/second${PREVIEW}`]: [`Basic ${Buffer.from('usage-collector:pw-second').toString('base64')}`, second],
    };
    const instance = instances[req.url ?? ''];
    if (!instance) return void res.writeHead(404).end('404 page not found');
    res.setHeader('content-type', 'application/json; charset=UTF-8');
    if (req.headers.authorization !== instance[0]) return void res.writeHead(401).end('{"message":"Unauthorized"}');
    res.writeHead(200).end(JSON.stringify(instance[1]));
  }

  async stop(): Promise<void> {
    this.hanging.forEach((res) => res.destroy());
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

describe('usage-stats collect (pull path for Grafana fleets)', () => {
  const kafka = kafkaClient();
  const topic = randomName('cli-collect');
  const dir = mkdtempSync(join(tmpdir(), 'cli-collect-'));
  let db: TestDatabase;
  let ports: WorkerPorts;
  let worker: RunningApp;
  let grafana: FakeGrafana;
  let reader: TopicReader;
  let env: Record<string, string>;
  let api: IngestUnderTest | undefined;
  let closedPort: number;

  const targetsFile = (name: string, lines: string[]) => {
    const path = join(dir, name);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    ports = await workerPorts();
    worker = await startApp('worker', workerEnv({ topic, database: db.name, ports }), ports.readyUrl, 60_000);
    grafana = await new FakeGrafana().start();
    reader = await new TopicReader('localhost:9092', topic).start();
    closedPort = await getFreePort();
    writeFileSync(join(dir, 'second.password'), 'pw-second\n');
    const overrides = { LOG_LEVEL: 'info', LOG_FORMAT: 'json', GONE_TOKEN: 'glsa_gone' };
    env = cliEnv({ topic, database: db.name, group: randomName('cli-collect') }, overrides);
  });
  afterAll(async () => {
    await api?.close();
    await reader?.stop();
    await grafana?.stop();
    await worker?.stop();
    await db?.drop();
    await deleteTopics(kafka, [topic, `${topic}-dlq`]);
  });

  it('publishes what it can pull; reports and skips a 401, a target that never answers, one that is gone', async () => {
    const targets = targetsFile('fleet.yaml', [
      'concurrency: 2',
      'targets:',
      `  - { name: first, url: "${grafana.url}", token: glsa_first }`,
      `  - { name: wrong-token, url: "${grafana.url}/", token: glsa_revoked }`,
      `  - { name: hangs, url: "${grafana.url}/slow", token: glsa_first, timeout: 1s }`,
      `  - { name: second, url: "${grafana.url}/second", username: usage-collector,`,
      `      tokenFile: "${join(dir, 'second.password')}" }`,
      `  - { name: gone, url: "http://127.0.0.1:${closedPort}", tokenEnv: GONE_TOKEN }`,
    ]);
    const run = await runCli(['collect', '--targets', targets, '--json'], env, 60_000);
    expect(run.code).toBe(1);
    const results = JSON.parse(run.stdout) as TargetResult[];
    expect(results.map((r) => [r.target, r.outcome, r.status])).toEqual([
      ['first', 'ok', 200],
      ['wrong-token', 'unauthorized', 401],
      ['hangs', 'timeout', undefined],
      ['second', 'ok', 200],
      ['gone', 'unreachable', undefined],
    ]);
    const hangs = results.find((r) => r.target === 'hangs')!;
    expect(hangs.durationMs).toBeGreaterThanOrEqual(1_000);
    expect(hangs.durationMs).toBeLessThan(5_000);

    // The good reports land on the topic as the API would have put them there, and in PostgreSQL.
    const landed = await reader.waitFor(2);
    const byRoute = Object.fromEntries(landed.map((l) => [l.envelope.source.route, l]));
    expect(byRoute['collect:first'].envelope).toMatchObject({
      kind: 'usage_report',
      id: results[0].eventId,
      payload: first,
      source: { ip: '127.0.0.1' },
    });
    expect(byRoute['collect:second'].envelope).toMatchObject({
      kind: 'usage_report',
      id: results[3].eventId,
      payload: second,
    });
    expect(byRoute['collect:first'].key).toBe('5a2b8f3e-9a61-4c55-8f1e-2d7c1b0e6a11');
    const headers = { 'event-kind': 'usage_report', 'event-id': results[3].eventId };
    expect(byRoute['collect:second'].headers).toMatchObject(headers);
    await waitForStored(db.pool, 2, 60_000);
    const { rows } = await db.pool.query('SELECT event_id, version FROM usage_reports ORDER BY version');
    expect(rows).toEqual([
      { event_id: results[0].eventId, version: '10_4_1' },
      { event_id: results[3].eventId, version: '11_3_0' },
    ]);

    // Grafana saw the tokens; our logs are JSON lines, one per target, and carry none of them.
    expect(grafana.seen.filter((s) => s.authorization === 'Bearer glsa_revoked')).toHaveLength(1);
    expect(grafana.seen.every((s) => s.userAgent === 'usage-stats-collect')).toBe(true);
    const logs = run.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const refused = logs.find((l) => l.target === 'wrong-token');
    expect(refused).toMatchObject({ level: 'warn', outcome: 'unauthorized', status: 401 });
    expect(logs.find((l) => l.msg === 'collect round done')).toMatchObject({ targets: 5, collected: 2, failed: 3 });
    expect(run.stderr + run.stdout).not.toMatch(/glsa_|pw-second|dXNhZ2Ut/);
  });

  it("gives the same instance's pushed report of the day the same event id, so the store keeps one", async () => {
    api = await startIngestApi({ KAFKA_TOPIC: topic, KAFKA_DEAD_LETTER_TOPIC: `${topic}-dlq` });
    const pulled = reader.landed.find((l) => l.envelope.source.route === 'collect:first')!.envelope.id;
    const res = await fetch(`${api.url}/grafana-usage-report`, {
      method: 'POST',
      body: recorded,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-event-id')).toBe(pulled);
    const metrics = async () => {
      const text = await (await fetch(ports.metricsUrl)).text();
      return metricSum(text, 'usage_stats_worker_events_deduplicated_total');
    };
    await waitFor(async () => (await metrics()) >= 1, 60_000, 250, 'the pushed duplicate dropped by the worker');
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM usage_reports');
    expect(rows[0].n).toBe(2);
  });

  it('reports publish_failed, without stopping the other targets, when Kafka is not there', async () => {
    const targets = targetsFile('no-kafka.yaml', [
      'targets:',
      `  - { name: first, url: "${grafana.url}", token: glsa_first }`,
      `  - { name: wrong-token, url: "${grafana.url}", token: glsa_revoked }`,
    ]);
    const noKafka = { ...env, KAFKA_BROKERS: `127.0.0.1:${closedPort}`, KAFKA_ACK_TIMEOUT_MS: '1000' };
    const run = await runCli(['collect', '--targets', targets, '--json'], noKafka, 60_000);
    expect(run.code).toBe(1);
    const results = JSON.parse(run.stdout) as TargetResult[];
    expect(results.map((r) => [r.target, r.outcome, r.status])).toEqual([
      ['first', 'publish_failed', 200],
      ['wrong-token', 'unauthorized', 401],
    ]);
    expect(results[0].detail).toMatch(/^kafka not reachable within 10000ms/);
    expect(results[0].durationMs).toBeLessThan(20_000);
  });

  it('keeps collecting every --every, re-reading the targets file each round, until SIGTERM (exit 0)', async () => {
    const entry = `  - { name: first, url: "${grafana.url}", token: glsa_first }`;
    const targets = targetsFile('rounds.yaml', ['targets:', entry]);
    const cli = startCli(['collect', '--targets', targets, '--every', '2s', '--json'], env);
    const roundsSoFar = (n: number) =>
      waitFor(
        () => {
          const lines = cli
            .output()
            .split('\n')
            .filter((l) => l.startsWith('['));
          return lines.length >= n ? lines.map((l) => JSON.parse(l) as TargetResult[]) : undefined;
        },
        60_000,
        100,
        `${n} collect rounds`,
      );
    await roundsSoFar(1);
    targetsFile('rounds.yaml', ['targets: [']);
    await roundsSoFar(2);
    const second = `  - { name: second, url: "${grafana.url}/second", username: usage-collector, token: pw-second }`;
    targetsFile('rounds.yaml', ['targets:', entry, second]);
    const rounds = await roundsSoFar(3);
    cli.child.kill('SIGTERM');
    const done = await cli.done;
    expect(done.code).toBe(0);
    // A broken edit keeps the last good list; a good one applies at the next round.
    expect(rounds.map((r) => r.map((t) => `${t.target}:${t.outcome}`))).toEqual([
      ['first:ok'],
      ['first:ok'],
      ['first:ok', 'second:ok'],
    ]);
    expect(done.stderr).toContain('targets file invalid; keeping the previous targets');
    // Same instance, same day: the same event id each round, deduplicated downstream.
    expect(new Set(rounds.map((r) => r[0].eventId)).size).toBe(1);
    const firstPull = reader.landed.find((l) => l.envelope.source.route === 'collect:first')!;
    expect(rounds[0][0].eventId).toBe(firstPull.envelope.id);
  });
});
