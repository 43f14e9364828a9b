import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { RunningApp, TEST_API_KEY, baseEnv, getFreePort, randomName, startApp } from '../support/apps';
import { deleteTopics } from '../support/ingest-harness';

// A short schemathesis run (scripts/fuzz.sh, the fuzzing phase only) against the built API and
// its own GET /openapi.json: no 5xx, no undocumented status code or content type, no crash.
// `npm run fuzz` runs the long version (about 2,500 cases).
const BROKERS = 'localhost:9092';
const ROOT = join(__dirname, '../..');
const topic = randomName('fuzz_e2e');
let app: RunningApp | undefined;
let url: string;

beforeAll(async () => {
  const [port, metricsPort, healthPort] = [await getFreePort(), await getFreePort(), await getFreePort()];
  url = `http://127.0.0.1:${port}`;
  const env = baseEnv({
    PORT: String(port),
    METRICS_PORT: String(metricsPort),
    HEALTH_CHECK_PORT: String(healthPort),
    KAFKA_TOPIC: topic,
    KAFKA_DEAD_LETTER_TOPIC: `${topic}-dlq`,
    KAFKA_TOPIC_PARTITIONS: '3',
    RATE_LIMIT_RPS: '0',
  });
  app = await startApp('ingest-api', env, `http://127.0.0.1:${healthPort}/ready`, 60_000);
});

afterAll(async () => {
  await app?.stop('SIGKILL');
  await deleteTopics(BROKERS, [topic, `${topic}-dlq`]);
});

function run(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.on('exit', (code) => resolve({ code, out }));
  });
}

it('serves an OpenAPI 3.1 document listing every route', async () => {
  const doc = (await (await fetch(`${url}/openapi.json`)).json()) as {
    openapi: string;
    paths: Record<string, Record<string, unknown>>;
  };
  expect(doc.openapi).toBe('3.1.0');
  expect(Object.fromEntries(Object.entries(doc.paths).map(([path, ops]) => [path, Object.keys(ops)]))).toEqual({
    '/grafana-usage-report': ['post'],
    '/api/v1/ingest': ['post'],
    '/write': ['post'],
    '/api/v1/analytics': ['post'],
    '/metrics/job/{job}': ['put', 'post', 'delete'],
    '/metrics/job@base64/{job}': ['put', 'post', 'delete'],
    '/health': ['get'],
    '/healthz': ['get'],
    '/ready': ['get'],
    '/openapi.json': ['get'],
  });
});

it('passes a short schemathesis run: no 5xx, every answer documented', async () => {
  const { code, out } = await run('bash', ['scripts/fuzz.sh'], {
    FUZZ_URL: url,
    API_KEY: TEST_API_KEY,
    FUZZ_PHASES: 'fuzzing',
    FUZZ_MAX_EXAMPLES: '25',
  });
  const cases = /(\d+) generated, (\d+) passed/.exec(out);
  expect([code, cases !== null]).toEqual([0, true]);
  expect(Number(cases![1])).toBeGreaterThanOrEqual(100);
  expect(cases![2]).toBe(cases![1]);
  expect(out).toMatch(/No issues found/);
}, 300_000);
