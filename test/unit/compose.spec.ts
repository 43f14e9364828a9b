import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import draft07 from 'ajv/dist/refs/json-schema-draft-07.json';
import { envBindings, loadConfig, SECTIONS } from '@app/config';
import {
  ComposeFile,
  durationMs,
  interpolate,
  interpolateAll,
  InterpolationError,
  parsePort,
  readComposeYaml,
  readDotEnv,
  referencedVariables,
} from '../support/compose-file';

// No Docker engine runs where the tests run, so the compose file is checked by reading: against
// the Compose Specification's JSON schema, and for what the images' documentation asks for.
const root = join(__dirname, '../..');
const composeText = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
const raw = readComposeYaml(join(root, 'docker-compose.yml'));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const bindings = Object.values(SECTIONS).flatMap((S) => envBindings(new S()));
const known = new Set(bindings.map((b) => b.name));
const secretNames = ['POSTGRES_PASSWORD', ...bindings.filter((b) => b.secret).map((b) => b.name)];
const appServices = ['ingest-api', 'worker'];

/** What a user's .env holds: .env.example with its secrets filled in. */
const userEnv = {
  ...readDotEnv(join(root, '.env.example')),
  API_KEY: 'user-api-key-0123456789',
  ANONYMIZATION_KEY: 'user-anonymization-key-0123456789',
  POSTGRES_PASSWORD: 'user-postgres-password',
  GRAFANA_ADMIN_PASSWORD: 'user-grafana-password',
};
const compose: ComposeFile = interpolateAll(raw, userEnv);
const envOf = (service: string) =>
  Object.fromEntries(Object.entries(compose.services[service].environment ?? {}).map(([k, v]) => [k, String(v)]));

// The Compose Specification's schema (compose-spec/compose-spec, schema/compose-spec.json,
// Apache-2.0) as shipped by the npm package dclint@3.1.0 in schemas/compose.schema.json,
// sha256 46b7d35f19dd93a05f8fea530291bf84d881c1791ec167ecf0e6fb94e639d496; it knows
// `models`, `provider` and `gw_priority`, i.e. the 2025 specification.
const schema = JSON.parse(readFileSync(join(root, 'test/fixtures/compose-spec.schema.json'), 'utf8')) as object;
const ajv = new Ajv({ strict: false, allErrors: true });
// The schema names draft-07 by its https address; Ajv knows the same meta-schema by http.
ajv.addMetaSchema(draft07, 'https://json-schema.org/draft-07/schema');
const validate = ajv.compile(schema);

describe('interpolation, as the Compose Specification documents it', () => {
  it.each([
    ['${A}-$A', { A: 'x' }, 'x-x'],
    ['${A:-d}|${A-d}', { A: '' }, 'd|'],
    ['${A:-d}|${A-d}', {}, 'd|d'],
    ['${A:+r}|${A+r}', { A: '' }, '|r'],
    ['$${A} costs $$5', { A: 'x' }, '${A} costs $5'],
    ['${A?e}', { A: '' }, ''],
  ])('%s with %j is %j', (text, env, expected) => {
    expect(interpolate(text, env)).toBe(expected);
  });

  it('stops on a required variable that is unset, or empty with a colon', () => {
    expect(() => interpolate('${A:?set A}', { A: '' })).toThrow('required variable A is missing a value: set A');
    expect(() => interpolate('${A?set A}', {})).toThrow(InterpolationError);
  });
});

describe('docker-compose.yml against the Compose Specification schema', () => {
  it('validates as written and once interpolated', () => {
    expect(validate(raw) ? [] : validate.errors).toEqual([]);
    expect(validate(compose) ? [] : validate.errors).toEqual([]);
  });

  it('the schema does refuse what compose refuses', () => {
    expect(validate({ services: { api: { image: 'x', restart: ['always'] } } })).toBe(false);
    expect(validate({ services: { api: { image: 'x', stop_grace: '30s' } } })).toBe(false);
  });
});

describe('docker-compose.yml', () => {
  it('runs Kafka, PostgreSQL, Redis, the ingest API, the worker, Grafana, and the collector on request', () => {
    const services = ['collector', 'grafana', 'ingest-api', 'kafka', 'postgres', 'redis', 'worker'];
    expect(Object.keys(compose.services).sort()).toEqual(services);
    expect(compose.services.kafka.image).toMatch(/^apache\/kafka:3\.9/);
    const optional = Object.entries(compose.services)
      .filter(([, s]) => s.profiles)
      .map(([n, s]) => [n, s.profiles]);
    expect(optional).toEqual([['collector', ['collector']]]);
  });

  it('runs the collector in rounds on a mounted targets file, with a configuration it accepts', () => {
    const collector = compose.services.collector;
    const collect = ['collect', '--targets', '/etc/usage-stats/collect-targets.yaml', '--every', '24h'];
    expect(collector.command).toEqual(collect);
    expect(collector.volumes).toEqual(['./config/collect-targets.yaml:/etc/usage-stats/collect-targets.yaml:ro']);
    expect(collector.restart).toBe('unless-stopped');
    const env = envOf('collector');
    expect(Object.keys(env).filter((k) => !known.has(k) || secretNames.includes(k))).toEqual([]);
    expect(() => loadConfig({ ...env, AUTH_ENABLED: 'false' })).not.toThrow();
    expect(Object.keys(compose.services)).toContain(env.KAFKA_BROKERS.split(':')[0]);
  });

  it.each(appServices)('%s sets only variables the configuration knows, with values it accepts', (name) => {
    const unknown = Object.keys(envOf(name)).filter((k) => !known.has(k));
    expect(unknown).toEqual([]);
    expect(() => loadConfig(envOf(name))).not.toThrow();
  });

  it.each(appServices)('%s points at services that exist', (name) => {
    const env = envOf(name);
    for (const host of [env.KAFKA_BROKERS.split(':')[0], env.POSTGRES_HOST, env.REDIS_HOST]) {
      expect(Object.keys(compose.services)).toContain(host);
    }
  });

  it('lets the worker scale: no host ports, no fixed container name', () => {
    expect(compose.services.worker.ports).toBeUndefined();
    expect(compose.services.worker.container_name).toBeUndefined();
    expect(compose.services.worker.command).toEqual(['worker']);
  });

  it('leaves WORKERS to the CPUs the worker container may use unless .env sets it', () => {
    expect(raw.services.worker.environment?.WORKERS).toBe('${WORKERS:-}');
    expect(envOf('worker').WORKERS).toBe('');
    expect(interpolateAll(raw, { ...userEnv, WORKERS: '3' }).services.worker.environment?.WORKERS).toBe('3');
  });

  it('publishes the API on the ports its configuration uses, and the README names them', () => {
    const config = loadConfig(envOf('ingest-api'));
    const published = (compose.services['ingest-api'].ports ?? []).map(parsePort);
    for (const port of [config.app.port, config.app.healthCheckPort, config.app.metricsPort]) {
      const mapping = published.find((p) => p.container === port);
      expect(mapping).toBeDefined();
      expect(readme).toContain(`localhost:${mapping!.host}`);
    }
    for (const service of Object.keys(compose.services)) expect(readme).toContain(`\`${service}\``);
  });
});

describe('docker-compose.yml secrets', () => {
  it('takes every password, key, token or secret of every service from the environment, required', () => {
    const literals = Object.entries(raw.services).flatMap(([service, s]) =>
      Object.entries(s.environment ?? {})
        .filter(([name]) => /(PASSWORD|_KEY|TOKEN|SECRET)$/.test(name))
        .filter(([, value]) => !/^\$\{\w+:\?[^}]*\}$/.test(String(value)))
        .map(([name]) => `${service}.${name}`),
    );
    expect(literals).toEqual([]);
  });

  it('writes no secret as a literal: each comes from the environment or .env, required', () => {
    const found: Array<[string, string, unknown]> = [];
    for (const [service, s] of Object.entries(raw.services)) {
      for (const [name, value] of Object.entries(s.environment ?? {})) {
        if (secretNames.includes(name)) found.push([service, name, value]);
      }
    }
    expect(found.map(([service, name]) => `${service}.${name}`).sort()).toEqual([
      'ingest-api.ANONYMIZATION_KEY',
      'ingest-api.API_KEY',
      'ingest-api.POSTGRES_PASSWORD',
      'postgres.POSTGRES_PASSWORD',
      'worker.ANONYMIZATION_KEY',
      'worker.API_KEY',
      'worker.POSTGRES_PASSWORD',
    ]);
    for (const [, name, value] of found) expect(value).toMatch(new RegExp(`^\\$\\{${name}:\\?[^}]+\\}$`));
  });

  it('refuses to start with the secrets unset or left empty as in .env.example', () => {
    expect(() => interpolateAll(raw, {})).toThrow(InterpolationError);
    const example = readDotEnv(join(root, '.env.example'));
    const secrets = ['API_KEY', 'ANONYMIZATION_KEY', 'POSTGRES_PASSWORD', 'GRAFANA_ADMIN_PASSWORD'];
    expect(secrets.map((name) => example[name])).toEqual(['', '', '', '']);
    for (const name of secrets) {
      expect(() => interpolateAll(raw, { ...userEnv, [name]: '' })).toThrow(new RegExp(`required variable ${name} `));
    }
  });

  it('.env.example names every variable the compose file reads', () => {
    const example = readFileSync(join(root, '.env.example'), 'utf8');
    const missing = referencedVariables(composeText).filter((name) => !new RegExp(`^#?${name}=`, 'm').test(example));
    expect(missing).toEqual([]);
  });

  it('keeps .env out of git and out of the build context', () => {
    expect(readFileSync(join(root, '.gitignore'), 'utf8').split('\n')).toContain('.env');
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['.env', 'node_modules', 'dist', '.local', '.git']));
  });
});

describe('docker-compose.yml ports', () => {
  it('binds every published port to 127.0.0.1 unless BIND_ADDRESS says otherwise', () => {
    const published = Object.values(raw.services).flatMap((s) => s.ports ?? []);
    expect(published).toHaveLength(5);
    for (const port of published) expect(port).toMatch(/^\$\{BIND_ADDRESS:-127\.0\.0\.1\}:\d+:\d+$/);
    const ips = (doc: ComposeFile) =>
      Object.values(doc.services).flatMap((s) => (s.ports ?? []).map((p) => parsePort(p).ip));
    expect(new Set(ips(compose))).toEqual(new Set(['127.0.0.1']));
    expect(new Set(ips(interpolateAll(raw, { ...userEnv, BIND_ADDRESS: '0.0.0.0' })))).toEqual(new Set(['0.0.0.0']));
  });
});

describe('docker-compose.yml durability and lifecycle', () => {
  it('keeps Kafka data on the mounted volume (the image defaults to /tmp/kraft-combined-logs)', () => {
    const kafka = compose.services.kafka;
    const dirs = String(kafka.environment?.KAFKA_LOG_DIRS ?? '')
      .split(',')
      .filter(Boolean);
    expect(dirs).toEqual(['/var/lib/kafka/data']);
    const mounts = (kafka.volumes ?? []).map((v) => v.split(':'));
    for (const dir of dirs) {
      const mount = mounts.find(([, target]) => dir === target || dir.startsWith(`${target}/`));
      expect(mount).toBeDefined();
      expect(Object.keys(compose.volumes ?? {})).toContain(mount![0]);
    }
    expect(kafka.environment?.CLUSTER_ID).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('keeps PostgreSQL data on a named volume', () => {
    expect(compose.services.postgres.volumes).toEqual(['postgres-data:/var/lib/postgresql/data']);
  });

  it.each(['kafka', 'postgres', 'redis', 'ingest-api', 'worker'])(
    '%s restarts after a crash and has a healthcheck',
    (name) => {
      expect(compose.services[name].restart).toBe('unless-stopped');
      expect(compose.services[name].healthcheck?.test?.length).toBeGreaterThan(0);
    },
  );

  it.each(appServices)('%s is healthy only when its /ready probe answers on HEALTH_CHECK_PORT', (name) => {
    const port = loadConfig(envOf(name)).app.healthCheckPort;
    expect(port).toBe(8081);
    expect(compose.services[name].healthcheck?.test?.join(' ')).toContain(`http://127.0.0.1:${port}/ready`);
  });

  it('gives the worker longer than its own shutdown bound before SIGKILL', () => {
    const config = loadConfig(envOf('worker'));
    expect(config.worker.shutdownTimeoutMs).toBe(15_000);
    // The pool waits WORKER_SHUTDOWN_TIMEOUT_MS for its consumers plus 5 s (primary.process.ts).
    expect(durationMs(compose.services.worker.stop_grace_period ?? '10s')).toBeGreaterThan(
      config.worker.shutdownTimeoutMs + 5_000,
    );
  });

  it('gives the API longer than SHUTDOWN_TIMEOUT_MS before SIGKILL', () => {
    const config = loadConfig(envOf('ingest-api'));
    expect(config.ingest.shutdownTimeoutMs).toBe(10_000);
    expect(durationMs(compose.services['ingest-api'].stop_grace_period ?? '10s')).toBeGreaterThan(
      config.ingest.shutdownTimeoutMs,
    );
  });
});

describe('README', () => {
  it('opens with exactly the two commands for a fresh machine', () => {
    const firstBlock = /```(?:sh|bash)?\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const commands = firstBlock
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(commands).toEqual(['npm start', 'npm test']);
  });

  it('documents every configuration variable', () => {
    const missing = [...known].filter((name) => !readme.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  it('tells Docker users to create .env and where the ports listen', () => {
    const docker = readme.slice(readme.indexOf('## Docker'));
    expect(docker).toContain('cp .env.example .env');
    expect(docker).toContain('BIND_ADDRESS');
    expect(docker).toContain('127.0.0.1');
  });
});

describe('docker-compose.yml grafana service', () => {
  const grafana = compose.services.grafana as { environment: Record<string, string>; volumes: string[] };
  const provisioning = readFileSync(join(root, 'deploy/grafana/provisioning/datasources/usage-stats.yaml'), 'utf8');
  const provider = parse(
    readFileSync(join(root, 'deploy/grafana/provisioning/dashboards/usage-stats.yaml'), 'utf8'),
  ) as {
    providers: Array<{ options: { path: string } }>;
  };

  it('sets every variable the datasource provisioning reads, against the compose PostgreSQL', () => {
    const used = [...provisioning.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]).sort();
    expect(
      Object.keys(grafana.environment)
        .filter((k) => k.startsWith('USAGE_STATS_'))
        .sort(),
    ).toEqual(used);
    expect(grafana.environment.USAGE_STATS_POSTGRES_PASSWORD).toBe(
      compose.services.postgres.environment?.POSTGRES_PASSWORD,
    );
  });

  it('mounts the provisioning and the dashboards where the provider looks', () => {
    expect(grafana.volumes).toContain('./deploy/grafana/provisioning:/etc/grafana/provisioning:ro');
    expect(grafana.volumes).toContain(`./deploy/grafana/dashboards:${provider.providers[0].options.path}:ro`);
  });
});
