import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePorts } from '../support/services';

const run = promisify(execFile);
const repo = path.resolve(__dirname, '../..');

// A checkout in a private home (mode 700, as root's home is): `stack.sh up` must start the
// whole stack there without changing any directory's mode, and `purge` must remove what `up`
// made, the PostgreSQL cluster outside the checkout included.
describe('local stack in a checkout under a mode-700 directory', () => {
  let home: string;
  let checkout: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'ush-private-home-'));
    fs.chmodSync(home, 0o700);
    checkout = path.join(home, 'usage-stats-handler');
    fs.mkdirSync(path.join(checkout, 'infra', 'kafka'), { recursive: true });
    fs.copyFileSync(path.join(repo, 'infra', 'stack.sh'), path.join(checkout, 'infra', 'stack.sh'));
    for (const f of ['run-kafka.sh', 'pom.xml', 'server.properties']) {
      fs.copyFileSync(path.join(repo, 'infra', 'kafka', f), path.join(checkout, 'infra', 'kafka', f));
    }
    // The jars the shared stack already fetched (read-only use).
    fs.symlinkSync(path.join(repo, 'infra', 'kafka', 'target'), path.join(checkout, 'infra', 'kafka', 'target'));
    const [kafka, controller, postgres, redis] = await freePorts(4);
    const { PG_HOME: _ignored, ...inherited } = process.env;
    env = {
      ...inherited,
      KAFKA_PORT: String(kafka),
      KAFKA_CONTROLLER_PORT: String(controller),
      POSTGRES_PORT: String(postgres),
      REDIS_PORT: String(redis),
    };
  });

  afterAll(async () => {
    await run('bash', [path.join(checkout, 'infra', 'stack.sh'), 'purge'], { env }).catch(() => undefined);
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('comes up, serves PostgreSQL with the stack credentials, and purge removes the cluster', async () => {
    const stack = path.join(checkout, 'infra', 'stack.sh');
    const up = await run('bash', [stack, 'up'], { env, timeout: 180_000 });
    expect(up.stdout).toMatch(/^kafka +up/m);
    expect(up.stdout).toMatch(/^postgres +up/m);
    expect(up.stdout).toMatch(/^redis +up/m);
    expect((fs.statSync(home).mode & 0o777).toString(8)).toBe('700');

    const client = new Client({
      host: '127.0.0.1',
      port: Number(env.POSTGRES_PORT),
      user: 'stats_user',
      password: 'secure_password',
      database: 'usage_stats',
    });
    await client.connect();
    const { rows } = await client.query<{ answer: number }>('select 41 + 1 as answer');
    await client.end();
    expect(rows[0].answer).toBe(42);

    const cluster = fs.realpathSync(path.join(checkout, '.local', 'postgres'));
    expect(fs.existsSync(path.join(cluster, 'data', 'PG_VERSION'))).toBe(true);

    const purge = await run('bash', [stack, 'purge'], { env, timeout: 120_000 });
    expect(purge.stdout).toMatch(/stopped postgres/);
    expect(fs.existsSync(cluster)).toBe(false);
    expect(fs.existsSync(path.join(checkout, '.local', 'postgres'))).toBe(false);
    expect(fs.existsSync(path.join(checkout, '.local', 'kafka'))).toBe(false);
  });
});
