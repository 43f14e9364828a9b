import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import type { App } from '../support/pipeline-apps';
import { launch, waitReady } from '../support/processes';
import { SkipError } from '../support/scenario';

/** grafana/usage-stats-handler listens on this port; it has no option to change it. */
export const REFERENCE_RECEIVER_PORT = 3540;

/**
 * Starts the receiver this project replaces, grafana/usage-stats-handler (an Express app that
 * parses the report, sums its metrics in memory for Graphite and logs the report to stdout),
 * from a checkout the operator built beside this one (`--reference-receiver <its app.js>`).
 * Its code is never part of this repository. Its stdout goes to /dev/null, as when measured
 * for the issue: logging every report is its only I/O per request. The Graphite flush interval
 * is a day, so it never flushes during a run.
 */
export async function startReferenceReceiver(appJs: string): Promise<App> {
  const file = resolve(appJs);
  if (!existsSync(file)) throw new SkipError(`--reference-receiver ${file}: no such file`);
  if (!(await portFree(REFERENCE_RECEIVER_PORT)))
    throw new SkipError(`port ${REFERENCE_RECEIVER_PORT} (the reference receiver's fixed port) is in use`);
  const proc = launch(
    'reference-receiver',
    process.execPath,
    [file, '--graphite', '127.0.0.1:1', '--interval', '86400'],
    { PATH: process.env.PATH ?? '', NODE_ENV: 'production' },
    { cwd: dirname(file), stdout: 'ignore' },
  );
  const origin = `http://127.0.0.1:${REFERENCE_RECEIVER_PORT}`;
  await waitReady(proc, `${origin}/healthz`, 20_000);
  return { proc, origin, env: {} };
}

function portFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const probe = createServer()
      .once('error', () => done(false))
      .once('listening', () => probe.close(() => done(true)))
      .listen(port, '127.0.0.1');
  });
}
