import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { envBindings, loadConfig, SECTIONS } from '@app/config';

// No Docker engine runs where the tests run, so the compose file is checked by reading:
// every variable it sets must be one the configuration knows and accepts, and its ports and
// service names must agree with the README.
const root = join(__dirname, '../..');
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, {
    environment?: Record<string, string>; ports?: string[]; container_name?: string; image?: string; build?: unknown;
    command?: string[]; profiles?: string[];
  }>;
};
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const known = new Set(Object.values(SECTIONS).flatMap((S) => envBindings(new S()).map((b) => b.name)));
const appServices = ['ingest-api', 'worker', 'collector'];

describe('docker-compose.yml', () => {
  it('runs Kafka, PostgreSQL, Redis, the ingest API, the worker, and the collector on request', () => {
    const services = ['collector', 'ingest-api', 'kafka', 'postgres', 'redis', 'worker'];
    expect(Object.keys(compose.services).sort()).toEqual(services);
    const optional = Object.entries(compose.services).filter(([, s]) => s.profiles).map(([n, s]) => [n, s.profiles]);
    expect(optional).toEqual([['collector', ['collector']]]);
    const collect = ['collect', '--targets', '/etc/usage-stats/collect-targets.yaml', '--every', '24h'];
    expect(compose.services.collector.command).toEqual(collect);
    expect(compose.services.kafka.image).toMatch(/^apache\/kafka:3\.9/);
  });

  it.each(appServices)('%s sets only variables the configuration knows, with values it accepts', (name) => {
    const env = compose.services[name].environment ?? {};
    const unknown = Object.keys(env).filter((k) => !known.has(k));
    expect(unknown).toEqual([]);
    const stringEnv = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
    expect(() => loadConfig(stringEnv)).not.toThrow();
  });

  it.each(appServices)('%s points at services that exist', (name) => {
    const env = compose.services[name].environment ?? {};
    const hosts = [env.KAFKA_BROKERS.split(':')[0], env.POSTGRES_HOST, env.REDIS_HOST];
    for (const host of hosts) expect(Object.keys(compose.services)).toContain(host);
  });

  it('lets the worker scale: no host ports, no fixed container name', () => {
    expect(compose.services.worker.ports).toBeUndefined();
    expect(compose.services.worker.container_name).toBeUndefined();
    expect(compose.services.worker.command).toEqual(['worker']);
  });

  it('publishes the API on the ports its configuration uses, and the README names them', () => {
    const api = compose.services['ingest-api'];
    const config = loadConfig(Object.fromEntries(Object.entries(api.environment ?? {}).map(([k, v]) => [k, String(v)])));
    const published = (api.ports ?? []).map((p) => p.split(':').map(Number));
    for (const port of [config.app.port, config.app.healthCheckPort, config.app.metricsPort]) {
      const mapping = published.find(([, container]) => container === port);
      expect(mapping).toBeDefined();
      expect(readme).toContain(`localhost:${mapping![0]}`);
    }
    for (const service of Object.keys(compose.services)) expect(readme).toContain(`\`${service}\``);
  });
});

describe('README', () => {
  it('opens with exactly the two commands for a fresh machine', () => {
    const firstBlock = /```(?:sh|bash)?\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const commands = firstBlock.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    expect(commands).toEqual(['npm start', 'npm test']);
  });

  it('documents every configuration variable', () => {
    const missing = [...known].filter((name) => !readme.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });
});
