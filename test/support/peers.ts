/**
 * Private store peers for tests: Debian's `prometheus` (remote-write receiver on),
 * `victoria-metrics` and `influxd` (1.x), each on free loopback ports with a temp data dir.
 * start*() waits until the peer answers its readiness URL; stop() ends it, start() brings it
 * back on the same port and data (for outage tests). Everything is SIGKILLed and its dir
 * removed when the test process exits, however it exits (the guardian of ./services).
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePorts, tellGuardian } from './services';

export interface Peer {
  name: string;
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  dataDir: string;
  logFile: string;
  running(): boolean;
  /** SIGTERM and wait (SIGKILL after 15 s). */
  stop(): Promise<void>;
  /** Start again on the same port and data dir. */
  start(): Promise<void>;
}

async function answers(url: string, status: number): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.status === status;
  } catch {
    return false;
  }
}

interface Spec {
  name: string;
  cmd: string;
  args: (port: number, dataDir: string) => string[];
  ready: { path: string; status: number };
  /** Writes config files; `spare` is a second free port for peers that need one. */
  prepare?: (port: number, spare: number, dataDir: string) => Promise<void> | void;
}

/** Peers come from scripts/ensure-peers.sh (npm test runs it); say so instead of a bare ENOENT. */
function assertInstalled(cmd: string): void {
  const found = (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir && fs.existsSync(path.join(dir, cmd)));
  if (!found)
    throw new Error(
      `${cmd} is not installed: run \`bash scripts/ensure-peers.sh\` (it lists the package that provides it)`,
    );
}

async function startPeer(spec: Spec, timeoutMs = 60_000): Promise<Peer> {
  assertInstalled(spec.cmd);
  const [port, spare] = await freePorts(2);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `ush-${spec.name}-`));
  tellGuardian(`+dir ${dataDir}`);
  await spec.prepare?.(port, spare, dataDir);
  const logFile = path.join(dataDir, `${spec.name}.log`);
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const peer: Peer = {
    name: spec.name,
    url,
    port,
    dataDir,
    logFile,
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    async start() {
      if (peer.running()) return;
      const fd = fs.openSync(logFile, 'a');
      child = spawn(spec.cmd, spec.args(port, dataDir), { detached: true, stdio: ['ignore', fd, fd], cwd: dataDir });
      fs.closeSync(fd);
      const pid = child.pid;
      tellGuardian(`+pid ${pid}`);
      exited = new Promise((resolve) =>
        child!.once('exit', () => {
          tellGuardian(`-pid ${pid}`);
          resolve();
        }),
      );
      child.unref();
      const deadline = Date.now() + timeoutMs;
      while (!(await answers(`${url}${spec.ready.path}`, spec.ready.status))) {
        if (!peer.running() || Date.now() > deadline) {
          await peer.stop();
          throw new Error(
            `${spec.name} did not become ready on ${url}:\n${fs.readFileSync(logFile, 'utf8').slice(-3000)}`,
          );
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async stop() {
      if (!peer.running() || !child?.pid) return;
      process.kill(-child.pid, 'SIGTERM');
      const timer = setTimeout(() => child?.pid && process.kill(-child.pid, 'SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
  await peer.start();
  return peer;
}

/** VictoriaMetrics with dedup of identical timestamps (what makes replays idempotent there). */
export function startVictoriaMetrics(): Promise<Peer> {
  return startPeer({
    name: 'victoria-metrics',
    cmd: 'victoria-metrics',
    args: (port, dir) => [
      `-httpListenAddr=127.0.0.1:${port}`,
      `-storageDataPath=${dir}/data`,
      '-retentionPeriod=100y',
      '-dedup.minScrapeInterval=1ms',
      '-search.latencyOffset=0s',
      '-search.disableCache',
      '-loggerLevel=WARN',
    ],
    ready: { path: '/health', status: 200 },
  });
}

/** Prometheus with its remote-write receiver on (POST /api/v1/write). */
export function startPrometheus(): Promise<Peer> {
  return startPeer({
    name: 'prometheus',
    cmd: 'prometheus',
    prepare: (_port, _spare, dir) =>
      fs.writeFileSync(path.join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1h\n'),
    args: (port, dir) => [
      `--config.file=${dir}/prometheus.yml`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--storage.tsdb.path=${dir}/data`,
      '--web.enable-remote-write-receiver',
      '--log.level=warn',
    ],
    ready: { path: '/-/ready', status: 200 },
  });
}

/**
 * InfluxDB 1.x. With `auth`, HTTP auth is on and an admin user with those credentials is
 * created (1.x lets the first admin be created without credentials).
 */
export async function startInfluxDb(auth?: { username: string; password: string }): Promise<Peer> {
  const peer = await startPeer({
    name: 'influxdb',
    cmd: 'influxd',
    prepare: (port, spare, dir) =>
      fs.writeFileSync(path.join(dir, 'influxdb.conf'), influxConfig(port, spare, dir, auth !== undefined)),
    args: (_port, dir) => ['-config', `${dir}/influxdb.conf`],
    ready: { path: '/ping', status: 204 },
  });
  if (auth)
    await influxQuery(peer, `CREATE USER "${auth.username}" WITH PASSWORD '${auth.password}' WITH ALL PRIVILEGES`);
  return peer;
}

function influxConfig(httpPort: number, rpcPort: number, dir: string, auth: boolean): string {
  return [
    'reporting-disabled = true',
    `bind-address = "127.0.0.1:${rpcPort}"`,
    '[meta]',
    `  dir = "${dir}/meta"`,
    '[data]',
    `  dir = "${dir}/data"`,
    `  wal-dir = "${dir}/wal"`,
    '  query-log-enabled = false',
    '[monitor]',
    '  store-enabled = false',
    '[http]',
    `  bind-address = "127.0.0.1:${httpPort}"`,
    `  auth-enabled = ${auth}`,
    '  log-enabled = false',
    '',
  ].join('\n');
}

/** Runs an InfluxQL statement (1.x /query) and returns the parsed answer. */
export async function influxQuery(
  peer: Peer,
  q: string,
  db?: string,
  auth?: { username: string; password: string },
): Promise<InfluxQueryResult> {
  const params = new URLSearchParams({ q, epoch: 'ns' });
  if (db) params.set('db', db);
  const headers: Record<string, string> = {};
  if (auth) headers.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  const res = await fetch(`${peer.url}/query`, { method: 'POST', body: params, headers });
  const body = (await res.json()) as InfluxQueryResult;
  if (!res.ok || body.results?.some((r) => r.error))
    throw new Error(`InfluxQL ${q} failed: HTTP ${res.status} ${JSON.stringify(body)}`);
  return body;
}

export interface InfluxQueryResult {
  results?: Array<{
    error?: string;
    series?: Array<{ name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }>;
  }>;
}
