import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');

export const TEST_API_KEY = 'test-key-0123456789abcdef';
export const TEST_ANONYMIZATION_KEY = 'test-anonymization-key-0123456789';
/** Seals the raw bytes of dead letters that cannot be anonymized (32 bytes, hex). */
export const TEST_DLQ_ENCRYPTION_KEY = '5e'.repeat(32);

export function randomName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

export async function getFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** The events producer's client libraries (KAFKA_PRODUCER_CLIENT): suites of producer behaviour run on each. */
export const PRODUCER_CLIENTS = ['kafkajs', 'platformatic'] as const;

/** Environment for an app against the shared local stack, with per-test topics. */
export function baseEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    LOG_LEVEL: 'warn',
    API_KEY: TEST_API_KEY,
    ANONYMIZATION_KEY: TEST_ANONYMIZATION_KEY,
    DLQ_ENCRYPTION_KEY: TEST_DLQ_ENCRYPTION_KEY,
    KAFKA_BROKERS: 'localhost:9092',
    POSTGRES_HOST: '127.0.0.1',
    POSTGRES_USER: 'stats_user',
    POSTGRES_PASSWORD: 'secure_password',
    POSTGRES_SSL_MODE: 'disable',
    REDIS_HOST: '127.0.0.1',
    // A whole suite can run on the other producer client: KAFKA_PRODUCER_CLIENT=platformatic npm run test:faults
    ...(process.env.KAFKA_PRODUCER_CLIENT ? { KAFKA_PRODUCER_CLIENT: process.env.KAFKA_PRODUCER_CLIENT } : {}),
    ...overrides,
  };
}

export interface RunningApp {
  process: ChildProcess;
  /** Everything the app wrote, for assertions and for failure messages. */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts a built app (`npm run build` first) and resolves once `readyUrl` answers 200. */
export async function startApp(
  app: 'ingest-api' | 'worker',
  env: Record<string, string>,
  readyUrl?: string,
  timeoutMs = 30_000,
): Promise<RunningApp> {
  const child = spawn(process.execPath, [join(ROOT, 'dist/apps', app, 'src/main.js')], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const running: RunningApp = {
    process: child,
    output: () => out,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  if (readyUrl) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`${app} exited with ${child.exitCode} before ready:\n${out.slice(-4000)}`);
      try {
        const res = await fetch(readyUrl);
        if (res.status === 200) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await running.stop('SIGKILL');
        throw new Error(`${app} not ready at ${readyUrl} within ${timeoutMs} ms:\n${out.slice(-4000)}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return running;
}

/** Polls `probe` until it returns a truthy value or the timeout passes (no fixed sleeps). */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false | null> | T | undefined | false | null,
  timeoutMs = 30_000,
  intervalMs = 200,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
