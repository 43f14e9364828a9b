import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { getFreePort } from '../../test/support/apps';

export { getFreePort };

/** The checkout's root, found from wherever this file was compiled to (dist/bench/support). */
export const REPO_ROOT = (() => {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = up;
  }
  return dir;
})();

export const BENCH_DIST = join(REPO_ROOT, 'dist/bench');

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface Running {
  name: string;
  pid: number;
  process: ChildProcess;
  /** The tail of what the process wrote, for error messages. */
  output(): string;
  stop(): Promise<void>;
}

export interface LaunchOptions {
  cwd?: string;
  /** 'ignore': stdout to /dev/null (a peer that logs every request; stderr is still kept). */
  stdout?: 'pipe' | 'ignore';
}

/** Spawns a process, keeps the last 16 KB of its output, and stops it with SIGTERM (SIGKILL after 15 s). */
export function launch(
  name: string,
  command: string,
  args: string[],
  env: Record<string, string>,
  options: LaunchOptions = {},
): Running {
  const stdio = ['ignore', options.stdout ?? 'pipe', 'pipe'] as const;
  const child = spawn(command, args, { env, stdio: [...stdio], cwd: options.cwd ?? REPO_ROOT });
  let out = '';
  const keep = (c: Buffer) => {
    out = (out + c.toString()).slice(-16_384);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name,
    pid: child.pid ?? -1,
    process: child,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Waits until `url` answers 200, failing early (with the output) if the process exits. */
export async function waitReady(proc: Running, url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let problem: string | undefined;
  while (!problem) {
    if (proc.process.exitCode !== null) problem = `${proc.name} exited with ${proc.process.exitCode} before ready`;
    else if (Date.now() > deadline) problem = `${proc.name} not ready at ${url} within ${timeoutMs} ms`;
    else if (await answers200(url)) return;
    else await sleep(200);
  }
  await proc.stop();
  throw new Error(`${problem}\n--- ${proc.name} output ---\n${proc.output().slice(-3000)}`);
}

async function answers200(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).status === 200;
  } catch {
    return false; // not listening yet
  }
}

/** When set (bench --profile), every app writes V8 CPU profiles here, one folder per launch. */
let profileRoot: string | undefined;
let launches = 0;

export function profileAppsInto(dir: string | undefined): void {
  profileRoot = dir;
}

/** Where the apps' build is read from: this checkout, or another one's (`--apps-from`, for "before" runs). */
let appsRoot = REPO_ROOT;

export function appsFrom(root: string | undefined): void {
  appsRoot = root ?? REPO_ROOT;
}

/**
 * Starts a built app of this repo (dist/apps/<app>/src/main.js), or of the checkout given to `--apps-from`. Profiling flags go on the
 * command line (Node refuses --cpu-prof in NODE_OPTIONS); cluster.fork passes them on to
 * the worker's consumers.
 */
export function launchApp(app: 'ingest-api' | 'worker', env: Record<string, string>): Running {
  const prof = profileRoot
    ? ['--cpu-prof', `--cpu-prof-dir=${join(profileRoot, `${String(++launches).padStart(2, '0')}-${app}`)}`]
    : [];
  return launch(app, process.execPath, [...prof, join(appsRoot, 'dist/apps', app, 'src/main.js')], env, {
    cwd: appsRoot,
  });
}

/** Runs `fn` with processes that are always stopped afterwards, even when it throws. */
export async function withProcesses<T>(fn: (track: (p: Running) => Running) => Promise<T>): Promise<T> {
  const started: Running[] = [];
  try {
    return await fn((p) => {
      started.push(p);
      return p;
    });
  } finally {
    await Promise.all(started.map((p) => p.stop()));
  }
}
