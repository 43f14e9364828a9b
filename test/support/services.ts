/**
 * Private, throwaway Kafka / Redis / PostgreSQL instances for test suites.
 *
 * Each start*() picks free ports, starts the real server in a temp dir, waits
 * until it answers (a Kafka metadata round trip, a Redis PING, a Postgres login
 * as stats_user) and returns a handle to stop, kill or restart it. Use these
 * when a test must break a service (stop it, kill it) without disturbing the
 * shared stack that `bash infra/stack.sh up` runs (see `sharedStack`).
 *
 * Everything started here is SIGKILLed, and its temp dir removed, when the
 * test process exits. Only node: built-ins are used.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** The stack `bash infra/stack.sh up` runs (default ports). */
export const sharedStack = {
  kafkaBrokers: 'localhost:9092',
  postgres: {
    host: '127.0.0.1',
    port: 5432,
    user: 'stats_user',
    password: 'secure_password',
    database: 'usage_stats',
  },
  redis: { host: '127.0.0.1', port: 6379 },
} as const;

export interface KafkaService {
  /** bootstrap list for clients, e.g. "localhost:40123" */
  brokers: string;
  port: number;
  controllerPort: number;
  dataDir: string;
  logFile: string;
  /** SIGTERM (clean shutdown) and wait; SIGKILL if it does not stop in time. */
  stop(): Promise<void>;
  /** SIGKILL: a crash. */
  kill(): Promise<void>;
  /** Start again on the same ports and data dir (stops it first if running). */
  restart(): Promise<void>;
}

export interface RedisService {
  host: string;
  port: number;
  url: string;
  logFile: string;
  stop(): Promise<void>;
  kill(): Promise<void>;
  restart(): Promise<void>;
}

export interface PostgresService {
  host: string;
  port: number;
  user: 'stats_user';
  password: 'secure_password';
  database: 'usage_stats';
  /** postgresql://stats_user:secure_password@127.0.0.1:PORT/usage_stats */
  url: string;
  dataDir: string;
  logFile: string;
  /** "fast" shutdown (SIGINT) and wait; SIGKILL if it does not stop in time. */
  stop(): Promise<void>;
  kill(): Promise<void>;
  restart(): Promise<void>;
}

export interface StartOptions {
  /** how long to wait for the service to answer (ms) */
  timeoutMs?: number;
}

export interface KafkaStartOptions extends StartOptions {
  /** extra broker properties, e.g. { 'log.retention.ms': '60000' } */
  overrides?: Record<string, string | number>;
}

// ------------------------------------------------------------------ paths --

function findRepoRoot(): string {
  const marker = path.join('infra', 'kafka', 'run-kafka.sh');
  for (const start of [__dirname, process.cwd()]) {
    let dir = path.resolve(start);
    for (;;) {
      if (fs.existsSync(path.join(dir, marker))) return dir;
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  throw new Error(`cannot find ${marker} above ${__dirname} or ${process.cwd()}`);
}

const REPO_ROOT = findRepoRoot();
const RUN_KAFKA = path.join(REPO_ROOT, 'infra', 'kafka', 'run-kafka.sh');

// ---------------------------------------------------------------- helpers --

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port;
}

/** n distinct free ports (all held open until every one is picked). */
export async function freePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < n; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      ports.push((server.address() as net.AddressInfo).port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

function logTail(file: string, lines = 40): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    const tail = text
      .split('\n')
      .slice(-lines - 1)
      .join('\n')
      .trimEnd();
    return tail ? `\n---- last lines of ${file} ----\n${tail}\n----` : `\n(${file} is empty)`;
  } catch {
    return `\n(no log at ${file})`;
  }
}

function run(cmd: string, args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}) {
  return new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
    execFile(
      cmd,
      args,
      { timeout: opts.timeoutMs ?? 30_000, env: opts.env, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`.trimEnd()));
        } else {
          resolve({ stdout, stderr });
        }
      },
    );
  });
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function makeTempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ush-${prefix}-`));
  tellGuardian(`+dir ${dir}`);
  return dir;
}

// ------------------------------------------------- managed child processes --

interface LaunchSpec {
  cmd: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  uid?: number;
  gid?: number;
}

/**
 * Safety net: a tiny detached "guardian" node process holds a pipe from us.
 * We tell it which process groups and temp dirs we own; when the pipe closes
 * (this process exited, however it died: crash, SIGKILL, Ctrl-C, jest worker
 * teardown) it SIGKILLs those groups and removes the dirs. This does not rely
 * on process.on('exit') handlers (jest gives each test file a sandboxed `process`).
 */
const GUARDIAN_SRC = `
const { rmSync } = require('node:fs');
const { execFileSync } = require('node:child_process');
const groups = new Set(), dirs = new Set(), cmds = new Set();
let buf = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => {
  buf += d;
  let i;
  while ((i = buf.indexOf('\\n')) >= 0) {
    const line = buf.slice(0, i); buf = buf.slice(i + 1);
    const op = line[0], kind = line.slice(1, 4), val = line.slice(5);
    const set = kind === 'pid' ? groups : kind === 'dir' ? dirs : cmds;
    if (op === '+') set.add(val); else set.delete(val);
  }
});
let done = false;
const cleanup = () => {
  if (done) return; done = true;
  for (const g of groups) for (const t of [-Number(g), Number(g)]) { try { process.kill(t, 'SIGKILL'); } catch {} }
  setTimeout(() => {
    for (const d of dirs) { try { rmSync(d, { recursive: true, force: true }); } catch {} }
    for (const c of cmds) { try { execFileSync('sh', ['-c', c], { stdio: 'ignore', timeout: 10000 }); } catch {} }
    process.exit(0);
  }, groups.size ? 500 : 0);
};
process.stdin.on('end', cleanup);
process.stdin.on('error', cleanup);
`;

let guardian: ChildProcess | undefined;

/**
 * Registers (`+pid N`, `+dir PATH`, `+cmd SHELL-COMMAND`) or releases (`-pid N`, ...) something the
 * guardian cleans up; a `cmd` is run with sh (e.g. deleting a network namespace a test created).
 */
export function tellGuardian(line: string): void {
  if (!guardian) {
    guardian = spawn(process.execPath, ['-e', GUARDIAN_SRC], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    guardian.on('error', () => undefined);
    guardian.stdin?.on('error', () => undefined);
    guardian.unref();
    (guardian.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  }
  guardian.stdin?.write(`${line}\n`);
}

/** One server process: started detached (own process group), output to a log file. */
class ManagedProcess {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private running = false;
  private exitInfo = '';

  constructor(
    readonly name: string,
    readonly logFile: string,
    private readonly launch: () => LaunchSpec,
    private readonly isReady: () => Promise<boolean>,
    private readonly stopSignal: NodeJS.Signals,
    /** signal the whole process group on stop (false: only the main pid, e.g. the postmaster) */
    private readonly stopGroup: boolean,
  ) {}

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  async start(timeoutMs: number): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running (pid ${this.child?.pid})`);
    const spec = this.launch();
    const fd = fs.openSync(this.logFile, 'a');
    fs.writeSync(fd, `==== ${new Date().toISOString()} start: ${spec.cmd} ${spec.args.join(' ')}\n`);
    let child: ChildProcess;
    try {
      child = spawn(spec.cmd, spec.args, {
        cwd: spec.cwd,
        env: spec.env ?? process.env,
        uid: spec.uid,
        gid: spec.gid,
        detached: true,
        stdio: ['ignore', fd, fd],
      });
    } finally {
      fs.closeSync(fd);
    }
    this.child = child;
    this.running = true;
    this.exitInfo = '';
    if (child.pid !== undefined) tellGuardian(`+pid ${child.pid}`);
    let spawnError: Error | undefined;
    this.exited = new Promise<void>((resolve) => {
      child.once('error', (err) => {
        spawnError = err;
        this.running = false;
        resolve();
      });
      child.once('exit', (code, signal) => {
        this.exitInfo = signal ? `signal ${signal}` : `exit code ${code}`;
        this.running = false;
        if (child.pid !== undefined) {
          // leftovers of its group (if any) go too, then the guardian forgets it
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {
            /* no such group: fine */
          }
          tellGuardian(`-pid ${child.pid}`);
        }
        resolve();
      });
    });
    child.unref();

    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (spawnError) throw new Error(`${this.name}: cannot run ${spec.cmd}: ${spawnError.message}`);
      if (!this.running) {
        throw new Error(`${this.name} exited during start-up (${this.exitInfo})${logTail(this.logFile)}`);
      }
      if (await this.isReady().catch(() => false)) return;
      if (Date.now() > deadline) {
        await this.kill();
        throw new Error(`${this.name} did not become ready within ${timeoutMs} ms${logTail(this.logFile)}`);
      }
      await sleep(200);
    }
  }

  private signal(sig: NodeJS.Signals, group: boolean): void {
    const pid = this.child?.pid;
    if (!this.running || pid === undefined) return;
    try {
      process.kill(group ? -pid : pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  }

  private async waitExit(ms: number): Promise<boolean> {
    if (!this.running) return true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const done = await Promise.race([this.exited!.then(() => true), timedOut]);
    clearTimeout(timer);
    return done;
  }

  async stop(timeoutMs = 30_000): Promise<void> {
    if (!this.running) return;
    this.signal(this.stopSignal, this.stopGroup);
    if (await this.waitExit(timeoutMs)) return;
    await this.kill();
  }

  async kill(): Promise<void> {
    if (!this.running) return;
    this.signal('SIGKILL', true);
    if (!(await this.waitExit(10_000))) throw new Error(`${this.name}: pid ${this.child?.pid} survived SIGKILL`);
  }
}

function isAddrInUse(logFile: string): boolean {
  try {
    return /address already in use|Address in use|could not bind|bind:.*in use/i.test(fs.readFileSync(logFile, 'utf8'));
  } catch {
    return false;
  }
}

/** Start with fresh ports; retry with other ports if a port was grabbed meanwhile. */
async function withPortRetry<T>(attempts: number, fn: () => Promise<{ value: T; logFile: string }>): Promise<T> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    let logFile = '';
    try {
      const r = await fn();
      return r.value;
    } catch (err) {
      last = err;
      logFile = (err as { logFile?: string }).logFile ?? '';
      if (!logFile || !isAddrInUse(logFile)) throw err;
    }
  }
  throw last;
}

function tagged(err: unknown, logFile: string): Error {
  const e = err instanceof Error ? err : new Error(String(err));
  (e as Error & { logFile?: string }).logFile = logFile;
  return e;
}

// ------------------------------------------------------------------ kafka --

/**
 * One Kafka Metadata (v0) round trip over plain TCP: resolves with the number
 * of brokers the cluster reports. A KRaft broker binds its port before it
 * serves requests, so a TCP connect alone proves nothing.
 */
export function kafkaBrokerCount(host: string, port: number, timeoutMs = 3000): Promise<number> {
  return new Promise((resolve, reject) => {
    const clientId = Buffer.from('ush-test-probe');
    const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length + 4);
    let o = 0;
    o = body.writeInt16BE(3, o); // api_key: Metadata
    o = body.writeInt16BE(0, o); // api_version 0
    o = body.writeInt32BE(7, o); // correlation id
    o = body.writeInt16BE(clientId.length, o);
    o += clientId.copy(body, o);
    body.writeInt32BE(0, o); // topics: [] = all (v0)
    const size = Buffer.alloc(4);
    size.writeInt32BE(body.length, 0);

    const socket = net.connect({ host, port });
    let buf = Buffer.alloc(0);
    const finish = (err: Error | null, n?: number) => {
      socket.destroy();
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(n!);
    };
    const timer = setTimeout(
      () => finish(new Error(`no metadata answer from ${host}:${port} in ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.once('error', (err) => finish(err));
    socket.once('connect', () => socket.write(Buffer.concat([size, body])));
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 4) return;
      const len = buf.readInt32BE(0);
      if (buf.length < 4 + len) return;
      if (buf.readInt32BE(4) !== 7) return finish(new Error('unexpected correlation id'));
      finish(null, buf.readInt32BE(8));
    });
    socket.once('close', () => finish(new Error(`connection to ${host}:${port} closed`)));
  });
}

let kafkaJarsFetched: Promise<void> | undefined;

/** Fetch the Kafka jars with Maven once per process (no-op when present). */
function ensureKafkaJars(): Promise<void> {
  kafkaJarsFetched ??= run('bash', [RUN_KAFKA, '--fetch-only'], { timeoutMs: 600_000 }).then(
    () => undefined,
    (err: unknown) => {
      kafkaJarsFetched = undefined;
      throw err;
    },
  );
  return kafkaJarsFetched;
}

/** A private single-node KRaft broker on free ports with a temp data dir. */
export async function startKafka(opts: KafkaStartOptions = {}): Promise<KafkaService> {
  const timeoutMs = opts.timeoutMs ?? 90_000;
  await ensureKafkaJars();
  const overrides = Object.entries(opts.overrides ?? {}).map(([k, v]) => `${k}=${v}`);
  // Kafka's own Uuid.randomUuid() also avoids ids starting with '-' (they read as CLI flags).
  let clusterId = randomBytes(16).toString('base64url');
  while (clusterId.startsWith('-')) clusterId = randomBytes(16).toString('base64url');

  return withPortRetry(3, async () => {
    const [port, controllerPort] = await freePorts(2);
    const dataDir = makeTempDir('kafka');
    const logFile = path.join(dataDir, 'kafka.log');
    const proc = new ManagedProcess(
      `kafka on ${port}`,
      logFile,
      () => ({
        cmd: 'bash',
        args: [RUN_KAFKA, String(port), String(controllerPort), dataDir, ...overrides],
        env: { ...process.env, KAFKA_CLUSTER_ID: clusterId },
      }),
      async () => (await kafkaBrokerCount('127.0.0.1', port, 2000)) > 0,
      'SIGTERM',
      true,
    );
    try {
      await proc.start(timeoutMs);
    } catch (err) {
      throw tagged(err, logFile);
    }
    const service: KafkaService = {
      brokers: `localhost:${port}`,
      port,
      controllerPort,
      dataDir,
      logFile,
      stop: () => proc.stop(),
      kill: () => proc.kill(),
      restart: async () => {
        await proc.stop();
        await proc.start(timeoutMs);
      },
    };
    return { value: service, logFile };
  });
}

// ------------------------------------------------------------------ redis --

/** PING over plain TCP; true on +PONG. */
export function redisPing(host: string, port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let reply = '';
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d: Buffer) => {
      reply += d.toString('latin1');
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
    socket.once('close', () => finish(false));
  });
}

function redisServerBin(): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).concat(['/usr/bin', '/usr/local/bin'])) {
    const candidate = path.join(dir, 'redis-server');
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  throw new Error(
    'redis-server not found: apt-get install -y redis-server (or run `bash infra/stack.sh up` once as root)',
  );
}

/** A private redis-server on a free port, no persistence. */
export async function startRedis(opts: StartOptions = {}): Promise<RedisService> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const bin = redisServerBin();
  return withPortRetry(3, async () => {
    const port = await freePort();
    const dir = makeTempDir('redis');
    const logFile = path.join(dir, 'redis.log');
    const proc = new ManagedProcess(
      `redis on ${port}`,
      logFile,
      () => ({
        cmd: bin,
        args: [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
          '--daemonize',
          'no',
          '--dir',
          dir,
        ],
        cwd: dir,
      }),
      () => redisPing('127.0.0.1', port),
      'SIGTERM',
      true,
    );
    try {
      await proc.start(timeoutMs);
    } catch (err) {
      throw tagged(err, logFile);
    }
    const service: RedisService = {
      host: '127.0.0.1',
      port,
      url: `redis://127.0.0.1:${port}`,
      logFile,
      stop: () => proc.stop(),
      kill: () => proc.kill(),
      restart: async () => {
        await proc.stop();
        await proc.start(timeoutMs);
      },
    };
    return { value: service, logFile };
  });
}

// --------------------------------------------------------------- postgres --

function postgresBinDir(): string {
  const base = '/usr/lib/postgresql';
  const versions = fs.existsSync(base)
    ? fs
        .readdirSync(base)
        .filter((v) => fs.existsSync(path.join(base, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length > 0) return path.join(base, versions[0], 'bin');
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
    if (fs.existsSync(path.join(dir, 'initdb'))) return dir;
  } catch {
    /* fall through */
  }
  throw new Error(
    'PostgreSQL server binaries (initdb) not found: apt-get install -y postgresql (or run `bash infra/stack.sh up` once as root)',
  );
}

function postgresOsUser(): { uid: number; gid: number } | undefined {
  if (!isRoot()) return undefined; // run as ourselves
  const line = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error("running as root but there is no 'postgres' OS user (postgres refuses to run as root)");
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function chownTree(dir: string, owner: { uid: number; gid: number } | undefined): void {
  if (!owner) return;
  fs.chownSync(dir, owner.uid, owner.gid);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) chownTree(p, owner);
    else fs.chownSync(p, owner.uid, owner.gid);
  }
}

const PG = { user: 'stats_user', password: 'secure_password', database: 'usage_stats' } as const;

/** A private PostgreSQL cluster (initdb --no-sync, fsync off) on a free port. */
export async function startPostgres(opts: StartOptions = {}): Promise<PostgresService> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const bin = postgresBinDir();
  const owner = postgresOsUser();
  const psql = fs.existsSync(path.join(bin, 'psql')) ? path.join(bin, 'psql') : 'psql';

  const dir = makeTempDir('pg');
  const dataDir = path.join(dir, 'data');
  const sockDir = path.join(dir, 'run');
  const logFile = path.join(dir, 'postgres.log');
  fs.mkdirSync(sockDir);
  fs.writeFileSync(logFile, '');
  chownTree(dir, owner);

  // initdb as the postgres OS user (when root), synchronously enough for a test.
  await new Promise<void>((resolve, reject) => {
    const child = spawn(
      path.join(bin, 'initdb'),
      [
        '-D',
        dataDir,
        '-U',
        'postgres',
        '--auth-local=trust',
        '--auth-host=scram-sha-256',
        '-E',
        'UTF8',
        '--locale=C.UTF-8',
        '--no-sync',
        '--no-instructions',
      ],
      { uid: owner?.uid, gid: owner?.gid, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      fs.appendFileSync(logFile, out);
      if (code === 0) resolve();
      else reject(new Error(`initdb failed (exit ${code}):\n${out}`));
    });
  });

  const pgEnv = { ...process.env, PGCONNECT_TIMEOUT: '3' };
  const superuserArgs = (port: number) => [
    '-X',
    '-q',
    '-w',
    '-h',
    sockDir,
    '-p',
    String(port),
    '-U',
    'postgres',
    '-d',
    'postgres',
  ];
  const canLogin = async (port: number) => {
    const { stdout } = await run(
      psql,
      [
        '-X',
        '-w',
        '-A',
        '-t',
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-U',
        PG.user,
        '-d',
        PG.database,
        '-c',
        'select 1',
      ],
      { env: { ...pgEnv, PGPASSWORD: PG.password }, timeoutMs: 10_000 },
    );
    return stdout.trim() === '1';
  };
  let provisioned = false;
  // Idempotent, so a half-done first attempt can simply run again.
  const provisionSql = path.join(dir, 'provision.sql');
  fs.writeFileSync(
    provisionSql,
    `DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${PG.user}') THEN
    CREATE ROLE ${PG.user} LOGIN CREATEDB PASSWORD '${PG.password}';
  END IF;
END $$;
SELECT 'CREATE DATABASE ${PG.database} OWNER ${PG.user}'
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '${PG.database}')\\gexec
`,
  );

  return withPortRetry(3, async () => {
    const port = await freePort();
    const proc = new ManagedProcess(
      `postgres on ${port}`,
      logFile,
      () => ({
        cmd: path.join(bin, 'postgres'),
        args: [
          '-D',
          dataDir,
          '-p',
          String(port),
          '-k',
          sockDir,
          '-c',
          'listen_addresses=127.0.0.1',
          '-c',
          'fsync=off',
          '-c',
          'synchronous_commit=off',
          '-c',
          'full_page_writes=off',
          '-c',
          'max_connections=100',
          '-c',
          'shared_buffers=64MB',
          '-c',
          'max_wal_size=512MB',
          '-c',
          'password_encryption=scram-sha-256',
          '-c',
          'log_min_messages=warning',
        ],
        uid: owner?.uid,
        gid: owner?.gid,
      }),
      async () => {
        // First start: create the role and database over the unix socket as superuser.
        if (!provisioned) {
          await run(psql, [...superuserArgs(port), '-v', 'ON_ERROR_STOP=1', '-f', provisionSql], {
            env: pgEnv,
            timeoutMs: 10_000,
          });
          provisioned = true;
        }
        return canLogin(port);
      },
      'SIGINT', // "fast" shutdown
      false, // signal the postmaster only; it stops its backends
    );
    try {
      await proc.start(timeoutMs);
    } catch (err) {
      throw tagged(err, logFile);
    }
    const service: PostgresService = {
      host: '127.0.0.1',
      port,
      user: PG.user,
      password: PG.password,
      database: PG.database,
      url: `postgresql://${PG.user}:${PG.password}@127.0.0.1:${port}/${PG.database}`,
      dataDir,
      logFile,
      stop: () => proc.stop(),
      kill: () => proc.kill(),
      restart: async () => {
        await proc.stop();
        await proc.start(timeoutMs);
      },
    };
    return { value: service, logFile };
  });
}

// ---------------------------------------------------------- kafka cluster --

export interface KafkaClusterNode {
  nodeId: number;
  /** The node's address on the cluster's private network (its namespace's veth). */
  host: string;
  port: number;
  netns: string;
  dataDir: string;
  logFile: string;
  running(): boolean;
  /** SIGKILL: a crash. */
  kill(): Promise<void>;
  /** Start again on the same address and data dir; resolves once it serves metadata listing every node. */
  restart(): Promise<void>;
  /** Cuts the node off from the other nodes and from every client: its veth's bridge end goes down. */
  isolate(): Promise<void>;
  /** Ends isolate(). */
  heal(): Promise<void>;
}

export interface KafkaCluster {
  /** bootstrap list with every node, e.g. "10.213.7.11:9092,10.213.7.12:9092,10.213.7.13:9092" */
  brokers: string;
  nodes: KafkaClusterNode[];
  /** Stops the nodes (SIGTERM, then SIGKILL) and deletes the namespaces, links and temp dirs. */
  stop(): Promise<void>;
}

export interface KafkaClusterOptions extends StartOptions {
  /** default 3 */
  size?: number;
  overrides?: Record<string, string | number>;
}

const ip = (...args: string[]) => run('ip', args, { timeoutMs: 10_000 });

/**
 * The private network of a cluster: a bridge in the root namespace with 10.213.N.1/24, and per
 * node a network namespace holding one end of a veth pair (10.213.N.(10+i)) whose other end is on
 * the bridge. Clients in the root namespace reach each node over the bridge; downing a node's
 * bridge-side veth cuts it off from everyone. Needs root (CAP_NET_ADMIN).
 */
async function createClusterNetwork(
  size: number,
): Promise<{ tag: string; subnet: string; remove: () => Promise<void> }> {
  if (!isRoot()) throw new Error('a Kafka cluster in network namespaces needs root (ip netns, veth, bridge)');
  const used = (await ip('-4', 'route', 'show')).stdout;
  let third = 0;
  for (let i = 0; i < 50 && (third === 0 || used.includes(`10.213.${third}.`)); i++) {
    third = 1 + (randomBytes(1)[0] % 250);
  }
  const tag = randomBytes(2).toString('hex');
  const subnet = `10.213.${third}`;
  const bridge = `ushbr${tag}`;
  const names = Array.from({ length: size }, (_, i) => ({
    ns: `ush-${tag}-k${i + 1}`,
    host: `ush${tag}h${i + 1}`,
    peer: `ush${tag}n${i + 1}`,
  }));
  const removeCmd = [
    ...names.map((n) => `ip netns del ${n.ns}`),
    ...names.map((n) => `ip link del ${n.host}`),
    `ip link del ${bridge}`,
  ]
    .map((c) => `${c} 2>/dev/null`)
    .join('; ');
  tellGuardian(`+cmd ${removeCmd}`);
  const remove = async () => {
    await run('sh', ['-c', `${removeCmd}; true`]);
    tellGuardian(`-cmd ${removeCmd}`);
  };
  try {
    await ip('link', 'add', bridge, 'type', 'bridge');
    await ip('addr', 'add', `${subnet}.1/24`, 'dev', bridge);
    await ip('link', 'set', bridge, 'up');
    for (const [i, n] of names.entries()) {
      await ip('netns', 'add', n.ns);
      await ip('link', 'add', n.host, 'type', 'veth', 'peer', 'name', n.peer);
      await ip('link', 'set', n.peer, 'netns', n.ns);
      await ip('link', 'set', n.host, 'master', bridge);
      await ip('link', 'set', n.host, 'up');
      await ip('-n', n.ns, 'addr', 'add', `${subnet}.${11 + i}/24`, 'dev', n.peer);
      await ip('-n', n.ns, 'link', 'set', n.peer, 'up');
      await ip('-n', n.ns, 'link', 'set', 'lo', 'up');
    }
  } catch (err) {
    await remove();
    throw err;
  }
  return { tag, subnet, remove };
}

/**
 * A private KRaft cluster of `size` combined broker+controller nodes (default 3), each in its own
 * network namespace: replication factor 3 and min.insync.replicas=2 by default, so acks=all
 * survives one node lost. Started from the project's Kafka (infra/kafka/run-kafka.sh).
 */
export async function startKafkaCluster(opts: KafkaClusterOptions = {}): Promise<KafkaCluster> {
  const size = opts.size ?? 3;
  const timeoutMs = opts.timeoutMs ?? 180_000;
  await ensureKafkaJars();
  const net = await createClusterNetwork(size);
  let clusterId = randomBytes(16).toString('base64url');
  while (clusterId.startsWith('-')) clusterId = randomBytes(16).toString('base64url');
  const hosts = Array.from({ length: size }, (_, i) => `${net.subnet}.${11 + i}`);
  const voters = hosts.map((h, i) => `${i + 1}@${h}:9093`).join(',');
  const replicas = Math.min(3, size);
  const common = {
    'controller.quorum.voters': voters,
    'default.replication.factor': replicas,
    'min.insync.replicas': Math.min(2, replicas),
    'offsets.topic.replication.factor': replicas,
    'transaction.state.log.replication.factor': replicas,
    'transaction.state.log.min.isr': Math.min(2, replicas),
    ...opts.overrides,
  };
  const allUp = async (host: string) => (await kafkaBrokerCount(host, 9092, 2000)) === size;
  const dirs: string[] = [];
  const procs = hosts.map((host, i) => {
    const dataDir = makeTempDir(`kafka${i + 1}`);
    dirs.push(dataDir);
    const logFile = path.join(dataDir, 'kafka.log');
    const props = {
      ...common,
      'node.id': i + 1,
      listeners: `PLAINTEXT://${host}:9092,CONTROLLER://${host}:9093`,
      'advertised.listeners': `PLAINTEXT://${host}:9092`,
    };
    const ns = `ush-${net.tag}-k${i + 1}`;
    const proc = new ManagedProcess(
      `kafka node ${i + 1} (${host})`,
      logFile,
      () => ({
        cmd: 'ip',
        args: [
          'netns',
          'exec',
          ns,
          'bash',
          RUN_KAFKA,
          '9092',
          '9093',
          dataDir,
          ...Object.entries(props).map(([k, v]) => `${k}=${v}`),
        ],
        // Three brokers on a shared 2-core box: smaller heaps than the single test broker's.
        env: {
          ...process.env,
          KAFKA_CLUSTER_ID: clusterId,
          KAFKA_HEAP_OPTS: process.env.KAFKA_HEAP_OPTS ?? '-Xmx384m -Xms128m',
        },
      }),
      () => allUp(host),
      'SIGTERM',
      true,
    );
    return { proc, host, ns, dataDir, logFile, nodeId: i + 1 };
  });
  const stop = async () => {
    await Promise.all(procs.map((p) => p.proc.stop(30_000).catch(() => p.proc.kill())));
    await net.remove();
    for (const d of dirs) {
      fs.rmSync(d, { recursive: true, force: true });
      tellGuardian(`-dir ${d}`);
    }
  };
  try {
    await Promise.all(procs.map((p) => p.proc.start(timeoutMs)));
  } catch (err) {
    await stop();
    throw err;
  }
  const link = (i: number) => `ush${net.tag}h${i + 1}`;
  const nodes: KafkaClusterNode[] = procs.map((p, i) => ({
    nodeId: p.nodeId,
    host: p.host,
    port: 9092,
    netns: p.ns,
    dataDir: p.dataDir,
    logFile: p.logFile,
    running: () => p.proc.pid !== undefined,
    kill: () => p.proc.kill(),
    restart: async () => {
      await p.proc.stop();
      await p.proc.start(timeoutMs);
    },
    isolate: async () => void (await ip('link', 'set', link(i), 'down')),
    heal: async () => void (await ip('link', 'set', link(i), 'up')),
  }));
  return { brokers: hosts.map((h) => `${h}:9092`).join(','), nodes, stop };
}
