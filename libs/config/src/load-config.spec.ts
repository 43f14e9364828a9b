import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IsIn, IsInt, IsString, Min, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';
import { ConfigError } from './config-error';
import { readConfigFile } from './config-file';
import { loadConfig } from './load-config';

const valid = { API_KEY: 'k'.repeat(32), ANONYMIZATION_KEY: 'a'.repeat(32) };

function errorOf(env: Record<string, string>): string {
  try {
    loadConfig({ ...valid, ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig(valid);
    expect(c.app.port).toBe(8080);
    expect(c.app.healthCheckPort).toBe(8081);
    expect(c.app.metricsPort).toBe(9090);
    expect(c.app.logLevel).toBe('info');
    expect(c.app.logFormat).toBe('json');
    expect(c.app.maxPayloadBytes).toBe(10 * 1024 * 1024);
    expect(c.worker.storageTypes).toEqual(['postgres']);
    expect(c.worker.workers).toBeGreaterThanOrEqual(1);
    expect(c.auth.enabled).toBe(true);
    expect(c.anonymizer.enabled).toBe(true);
    expect(c.postgres).toMatchObject({
      host: 'localhost',
      port: 5432,
      database: 'usage_stats',
      sslMode: 'require',
      maxConnections: 25,
    });
    expect(c.redis).toMatchObject({ host: 'localhost', port: 6379, db: 0, ttlSeconds: 3600 });
    expect(c.kafka.brokers).toEqual(['localhost:9092']);
    expect(c.kafka.partitions).toBe(12);
  });

  it('coerces types and splits lists', () => {
    const c = loadConfig({
      ...valid,
      PORT: '3000',
      AUTH_ENABLED: 'false',
      API_KEY: '',
      KAFKA_BROKERS: 'a:1, b:2',
      STORAGE_TYPE: 'postgres,remote_write',
    });
    expect(c.app.port).toBe(3000);
    expect(c.auth.enabled).toBe(false);
    expect(c.kafka.brokers).toEqual(['a:1', 'b:2']);
    expect(c.worker.storageTypes).toEqual(['postgres', 'remote_write']);
  });

  it.each([
    [
      { AUTH_ENABLED: 'true', API_KEY: '' },
      /^Invalid configuration: API_KEY=\(unset\): is required when AUTH_ENABLED=true/,
    ],
    [
      { STORAGE_TYPE: 'mysql' },
      /^Invalid configuration: STORAGE_TYPE="mysql": .*postgres\|bigquery\|influxdb\|remote_write/,
    ],
    [{ PORT: 'abc' }, /^Invalid configuration: PORT="abc": must be a number$/],
    [{ PORT: '70000' }, /^Invalid configuration: PORT="70000": .*65535/],
    [
      { POSTGRES_SSL_MODE: 'maybe' },
      /^Invalid configuration: POSTGRES_SSL_MODE="maybe": .*disable, require, verify-ca, verify-full/,
    ],
    [{ AUTH_ENABLED: 'perhaps' }, /^Invalid configuration: AUTH_ENABLED="perhaps": .*boolean/],
    [{ LOG_LEVEL: 'trace' }, /^Invalid configuration: LOG_LEVEL="trace"/],
    [{ KAFKA_BROKERS: 'nohost' }, /^Invalid configuration: KAFKA_BROKERS="nohost": .*host:port/],
    [{ ANONYMIZATION_KEY: '' }, /^Invalid configuration: ANONYMIZATION_KEY=\(unset\): is required/],
  ])('rejects %j with one line naming the variable', (env, pattern) => {
    const message = errorOf(env as Record<string, string>);
    expect(message).toMatch(pattern);
    expect(message).not.toContain('\n');
  });

  it('reports every invalid or missing variable at once, one line each, in one error', () => {
    const message = errorOf({
      STORAGE_TYPE: 'mysql',
      PORT: 'abc',
      POSTGRES_SSL_MODE: 'maybe',
      API_KEY: '',
      REDIS_PASSWORD: '',
    });
    expect(message.split('\n')).toEqual([
      'Invalid configuration: PORT="abc": must be a number',
      'Invalid configuration: API_KEY=(unset): is required when AUTH_ENABLED=true (a comma-separated list of keys)',
      'Invalid configuration: POSTGRES_SSL_MODE="maybe": must be one of the following values: disable, require, verify-ca, verify-full',
      'Invalid configuration: STORAGE_TYPE="mysql": must be one of postgres|bigquery|influxdb|remote_write (or a comma-separated list of them)',
    ]);
  });

  it('keeps the problems as a list', () => {
    try {
      loadConfig({ ...valid, PORT: 'abc', LOG_LEVEL: 'trace' });
    } catch (err) {
      expect((err as ConfigError).problems).toHaveLength(2);
      return;
    }
    throw new Error('expected a ConfigError');
  });

  it('redacts every secret among several problems', () => {
    const message = errorOf({ API_KEY: 'short-secret', ANONYMIZATION_KEY: 'tiny-secret', PORT: '0' });
    expect(message.split('\n')).toEqual([
      'Invalid configuration: PORT="0": must not be less than 1',
      'Invalid configuration: API_KEY="<redacted>": each key must be at least 16 characters',
      'Invalid configuration: ANONYMIZATION_KEY="<redacted>": each key must be at least 16 characters',
    ]);
    expect(message).not.toMatch(/short-secret|tiny-secret/);
  });

  it('never echoes a secret value', () => {
    const message = errorOf({ API_KEY: 'short-secret' });
    expect(message).toContain('API_KEY="<redacted>"');
    expect(message).not.toContain('short-secret');
  });
});

class Limit {
  @IsString() name!: string;
  @IsInt() @Min(1) max!: number;
}
class Limits {
  @IsIn(['a', 'b']) mode!: string;
  @ValidateNested({ each: true }) @Type(() => Limit) items!: Limit[];
}

describe('readConfigFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
  const write = (text: string) => {
    const path = join(dir, `${Math.random()}.yaml`);
    writeFileSync(path, text);
    return path;
  };

  it('reports YAML syntax errors with the line', () => {
    const path = write('limits:\n  mode: a\n  items: [\n');
    expect(() => readConfigFile(path)).toThrow(new RegExp(`^CONFIG_FILE=${path}: line \\d+: invalid YAML`));
  });

  it('reports a schema error with the line and field path', () => {
    const path = write('limits:\n  mode: a\n  items:\n    - name: x\n      max: 3\n    - name: y\n      max: zero\n');
    expect(() => readConfigFile(path).section('limits', Limits)).toThrow(
      new RegExp(`^CONFIG_FILE=${path}: line 7: limits\\.items\\.1\\.max: .*max must be an integer`),
    );
  });

  it('reports every schema error of a section, one line each, in file order', () => {
    const path = write('limits:\n  mode: c\n  items:\n    - name: x\n      max: 0\n  colour: red\n');
    let message = '';
    try {
      readConfigFile(path).section('limits', Limits);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message.split('\n')).toEqual([
      `CONFIG_FILE=${path}: line 2: limits.mode: mode must be one of the following values: a, b`,
      `CONFIG_FILE=${path}: line 5: limits.items.0.max: max must not be less than 1`,
      `CONFIG_FILE=${path}: line 6: limits.colour: unknown field "colour"`,
    ]);
  });

  it('rejects unknown fields by name', () => {
    const path = write('limits:\n  mode: a\n  items: []\n  colour: red\n');
    expect(() => readConfigFile(path).section('limits', Limits)).toThrow(
      /line 4: limits\.colour: unknown field "colour"/,
    );
  });

  it('reports a missing file clearly', () => {
    expect(() => readConfigFile(join(dir, 'nope.yaml'))).toThrow(/CONFIG_FILE=.*nope\.yaml: cannot be read: ENOENT/);
  });

  it('returns validated sections', () => {
    const path = write('limits:\n  mode: b\n  items:\n    - {name: x, max: 2}\n');
    expect(readConfigFile(path).section('limits', Limits)).toMatchObject({ mode: 'b', items: [{ name: 'x', max: 2 }] });
  });
});
