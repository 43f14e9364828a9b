import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App } from '../support/pipeline-apps';
import { getFreePort, launch, waitReady } from '../support/processes';

const CANDIDATES = ['prometheus-pushgateway', 'pushgateway'];

/** Path of Debian's prometheus-pushgateway (apt-get install prometheus-pushgateway), if installed. */
export function findPushgateway(): string | undefined {
  for (const name of CANDIDATES) {
    try {
      return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
    } catch {
      // not this one
    }
  }
  return undefined;
}

export function pushgatewayVersion(binary: string): string {
  // it prints its version on stderr
  const out = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return `${out.stdout ?? ''}${out.stderr ?? ''}`.split('\n')[0].trim() || 'unknown';
}

/**
 * Starts Pushgateway on a free loopback port, in memory only: Debian's build defaults
 * --persistence.file to /var/lib/prometheus/pushgateway.data, so it is set empty here.
 */
export async function startPushgateway(binary: string): Promise<App> {
  const port = await getFreePort();
  const cwd = mkdtempSync(join(tmpdir(), 'bench-pushgateway-'));
  const proc = launch(
    'pushgateway',
    binary,
    [`--web.listen-address=127.0.0.1:${port}`, '--persistence.file=', '--log.level=warn'],
    {
      PATH: process.env.PATH ?? '',
      HOME: cwd,
    },
  );
  const origin = `http://127.0.0.1:${port}`;
  await waitReady(proc, `${origin}/-/ready`, 20_000);
  return { proc, origin, env: {} };
}
