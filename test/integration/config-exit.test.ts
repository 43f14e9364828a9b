import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { baseEnv } from '../support/apps';

// Acceptance of the configuration contract: each bad value stops the built app within 2 s,
// non-zero, with one line naming the variable; several bad values give one line each, in one start.
const apps = ['ingest-api', 'worker'] as const;
const cases: Array<[Record<string, string>, RegExp]> = [
  [
    { AUTH_ENABLED: 'true', API_KEY: '' },
    /^Invalid configuration: API_KEY=\(unset\): is required when AUTH_ENABLED=true/,
  ],
  [{ STORAGE_TYPE: 'mysql' }, /^Invalid configuration: STORAGE_TYPE="mysql"/],
  [{ PORT: 'abc' }, /^Invalid configuration: PORT="abc": must be a number/],
  [{ POSTGRES_SSL_MODE: 'maybe' }, /^Invalid configuration: POSTGRES_SSL_MODE="maybe"/],
];

function run(
  app: string,
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ code: number | null; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(__dirname, '../../dist/apps', app, 'src/main.js'), ...args], {
      env: baseEnv(env),
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, ms: Date.now() - started });
    });
  });
}

describe.each(apps)('%s refuses a bad configuration', (app) => {
  it.each(cases)('%j', async (env, pattern) => {
    const { code, stderr, ms } = await run(app, env);
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(ms).toBeLessThan(10_000); // stops at once instead of retrying; generous for a loaded 2-core machine
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
  });
});

describe.each(apps)('%s reports every bad variable in one start', (app) => {
  it('STORAGE_TYPE=mysql PORT=abc POSTGRES_SSL_MODE=maybe: three lines, exit 1', async () => {
    const { code, stderr } = await run(app, { STORAGE_TYPE: 'mysql', PORT: 'abc', POSTGRES_SSL_MODE: 'maybe' });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      'Invalid configuration: PORT="abc": must be a number',
      'Invalid configuration: POSTGRES_SSL_MODE="maybe": must be one of the following values: disable, require, verify-ca, verify-full',
      'Invalid configuration: STORAGE_TYPE="mysql": must be one of postgres|bigquery|influxdb|remote_write (or a comma-separated list of them)',
    ]);
  });

  it('redacts secrets among the lines', async () => {
    const { code, stderr } = await run(app, {
      API_KEY: 'short-api-key',
      POSTGRES_PASSWORD: 'pw-never-shown',
      PORT: '0',
    });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      'Invalid configuration: PORT="0": must not be less than 1',
      'Invalid configuration: API_KEY="<redacted>": each key must be at least 16 characters',
    ]);
    expect(stderr).not.toMatch(/short-api-key|pw-never-shown/);
  });
});

describe('the usage-stats CLI refuses a bad configuration', () => {
  it('prints every problem as its own error line and exits 2 (a usage error)', async () => {
    const { code, stderr } = await run('cli', { PORT: 'abc', POSTGRES_SSL_MODE: 'maybe' }, ['topics']);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toEqual([
      'error: Invalid configuration: PORT="abc": must be a number',
      'error: Invalid configuration: POSTGRES_SSL_MODE="maybe": must be one of the following values: disable, require, verify-ca, verify-full',
    ]);
  });
});

describe('worker refuses a store it cannot build', () => {
  it('names the missing setting of every store at once', async () => {
    const { code, stderr } = await run('worker', { STORAGE_TYPE: 'remote_write,influxdb' });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      'Invalid configuration: REMOTE_WRITE_URL=(unset): is required when STORAGE_TYPE includes remote_write',
      'Invalid configuration: INFLUXDB_URL=(unset): is required when STORAGE_TYPE includes influxdb',
    ]);
  });

  it.each([
    [{ STORAGE_TYPE: 'postgres,remote_write' }, /^Invalid configuration: REMOTE_WRITE_URL=\(unset\): is required when/],
    [{ STORAGE_TYPE: 'influxdb' }, /^Invalid configuration: INFLUXDB_URL=\(unset\): is required when/],
  ])('%j', async (env, pattern) => {
    const { code, stderr, ms } = await run('worker', env);
    expect(code).toBe(1);
    expect(ms).toBeLessThan(10_000); // stops at once instead of retrying; generous for a loaded 2-core machine
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
  });
});
