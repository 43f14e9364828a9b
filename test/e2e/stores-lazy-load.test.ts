import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { baseEnv } from '../support/apps';

/**
 * A process loads only the client libraries of the stores STORAGE_TYPE names (the BigQuery
 * client alone costs about 100 ms and 16 MB). A fresh node builds the store through the built
 * createStore (`npm run build` first), then lists the packages in its module cache.
 */
const ROOT = join(__dirname, '../..');
const SCRIPT = `
const { loadConfig } = require('./dist/libs/config/src');
const { createLogger } = require('./dist/libs/observability/src');
const { createStore } = require('./dist/libs/storage/src');
(async () => {
  const logger = createLogger({ level: 'error', format: 'json', name: 'lazy-load' });
  const store = await createStore(process.env.STORAGE_TYPE, loadConfig(process.env), logger);
  await store.close();
  const packages = new Set();
  for (const file of Object.keys(require.cache)) {
    const m = file.match(/.*node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//);
    if (m) packages.add(m[1]);
  }
  process.stdout.write(JSON.stringify({ type: store.type, packages: [...packages].sort() }));
})().catch((err) => { process.stderr.write(String(err && err.stack || err)); process.exit(1); });
`;

const CLIENTS = ['@google-cloud/bigquery', 'ioredis', 'pg', 'pg-copy-streams'];

type Loaded = { type: string; clients: string[] };

async function clientsLoadedFor(storageType: string, env: Record<string, string> = {}): Promise<Loaded> {
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', SCRIPT], {
    cwd: ROOT,
    timeout: 30_000,
    env: baseEnv({ STORAGE_TYPE: storageType, ...env }),
  });
  const { type, packages } = JSON.parse(stdout) as { type: string; packages: string[] };
  return { type, clients: packages.filter((p) => CLIENTS.includes(p)) };
}

describe('store modules load lazily (built code)', () => {
  it('STORAGE_TYPE=postgres loads pg, never the BigQuery client', async () => {
    expect(await clientsLoadedFor('postgres')).toEqual({ type: 'postgres', clients: ['pg', 'pg-copy-streams'] });
  });

  it('STORAGE_TYPE=bigquery loads the BigQuery client, not pg', async () => {
    // The emulator endpoint spares a key file; building the store does no I/O.
    const env = { BIGQUERY_PROJECT_ID: 'lazy-load-1', BIGQUERY_API_ENDPOINT: 'http://127.0.0.1:9' };
    expect(await clientsLoadedFor('bigquery', env)).toEqual({ type: 'bigquery', clients: ['@google-cloud/bigquery'] });
  });

  it('STORAGE_TYPE=influxdb loads no client library', async () => {
    const env = { INFLUXDB_URL: 'http://127.0.0.1:9', INFLUXDB_BUCKET: 'b' };
    expect(await clientsLoadedFor('influxdb', env)).toEqual({ type: 'influxdb', clients: [] });
  });

  it('STORAGE_TYPE=remote_write loads ioredis (push group memory), neither pg nor BigQuery', async () => {
    const env = { REMOTE_WRITE_URL: 'http://127.0.0.1:9/api/v1/write' };
    expect(await clientsLoadedFor('remote_write', env)).toEqual({ type: 'remote_write', clients: ['ioredis'] });
  });
});
