import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { envBindings, loadConfig, SECTIONS } from '@app/config';

// No Docker engine runs where the tests run, so the compose file is checked by reading:
// every variable it sets must be one the configuration knows and accepts, and its ports and
// service names must agree with the README.
const root = join(__dirname, '../..');
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, { environment?: Record<string, string>; ports?: string[]; container_name?: string; image?: string; build?: unknown; command?: string[] }>;
};
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const known = new Set(Object.values(SECTIONS).flatMap((S) => envBindings(new S()).map((b) => b.name)));
const appServices = ['ingest-api', 'worker'];

describe('docker-compose.yml', () => {
  it('runs Kafka, PostgreSQL, Redis, the ingest API, the worker and Grafana', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['grafana', 'ingest-api', 'kafka', 'postgres', 'redis', 'worker']);
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

describe('docker-compose.yml grafana service', () => {
  const grafana = compose.services.grafana as { environment: Record<string, string>; volumes: string[] };
  const provisioning = readFileSync(join(root, 'deploy/grafana/provisioning/datasources/usage-stats.yaml'), 'utf8');
  const provider = parse(readFileSync(join(root, 'deploy/grafana/provisioning/dashboards/usage-stats.yaml'), 'utf8')) as {
    providers: Array<{ options: { path: string } }>;
  };

  it('sets every variable the datasource provisioning reads, against the compose PostgreSQL', () => {
    const used = [...provisioning.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]).sort();
    expect(Object.keys(grafana.environment).sort()).toEqual(used);
    expect(grafana.environment.USAGE_STATS_POSTGRES_PASSWORD).toBe(compose.services.postgres.environment?.POSTGRES_PASSWORD);
  });

  it('mounts the provisioning and the dashboards where the provider looks', () => {
    expect(grafana.volumes).toContain('./deploy/grafana/provisioning:/etc/grafana/provisioning:ro');
    expect(grafana.volumes).toContain(`./deploy/grafana/dashboards:${provider.providers[0].options.path}:ro`);
  });
});
