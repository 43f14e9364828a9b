import { ConfigError } from '../config-error';
import { loadConfig } from '../load-config';

const valid = { API_KEY: 'k'.repeat(32), ANONYMIZATION_KEY: 'a'.repeat(32) };

describe('worker, redis and postgres settings of the worker', () => {
  it('has defaults tuned for throughput with bounded latency', () => {
    const c = loadConfig(valid);
    expect(c.worker).toMatchObject({
      fetchMaxBytesPerPartition: 1_048_576,
      fetchMaxWaitMs: 200,
      partitionsConcurrency: 2,
      sessionTimeoutMs: 15_000,
      heartbeatIntervalMs: 3_000,
      retryInitialMs: 500,
      retryMaxMs: 30_000,
      dlqMaxRatio: 0.5,
      dlqMinBatch: 10,
      fromBeginning: true,
      shutdownTimeoutMs: 15_000,
    });
    expect(c.redis).toMatchObject({ keyPrefix: 'usage-stats:dedupe', dedupeEnabled: true, commandTimeoutMs: 1000 });
    expect(c.postgres).toMatchObject({ migrateOnStart: true, connectTimeoutMs: 5000 });
  });

  it.each([
    [3, 3],
    [1000, 256],
  ])('defaults WORKERS to the usable CPUs (%i), capped at 256', (cpus, expected) => {
    jest.isolateModules(() => {
      jest.doMock('../cpu-quota', () => ({ usableCpus: () => cpus }));
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { loadConfig: load } = require('../load-config') as typeof import('../load-config');
      expect(load(valid).worker.workers).toBe(expected);
    });
    jest.dontMock('../cpu-quota');
  });

  it('reads overrides', () => {
    const c = loadConfig({
      ...valid,
      WORKER_DLQ_MAX_RATIO: '0.9',
      REDIS_DEDUPE_ENABLED: 'false',
      POSTGRES_MIGRATE_ON_START: 'no',
      WORKER_SESSION_TIMEOUT_MS: '6000',
    });
    expect(c.worker.dlqMaxRatio).toBe(0.9);
    expect(c.worker.sessionTimeoutMs).toBe(6000);
    expect(c.redis.dedupeEnabled).toBe(false);
    expect(c.postgres.migrateOnStart).toBe(false);
  });

  it.each([
    [{ WORKER_DLQ_MAX_RATIO: '2' }, /^Invalid configuration: WORKER_DLQ_MAX_RATIO="2": /],
    [{ WORKER_SESSION_TIMEOUT_MS: '1000' }, /^Invalid configuration: WORKER_SESSION_TIMEOUT_MS="1000": .*6000/],
    [{ REDIS_KEY_PREFIX: 'has space' }, /^Invalid configuration: REDIS_KEY_PREFIX="has space"/],
  ])('rejects %j', (env, pattern) => {
    expect(() => loadConfig({ ...valid, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ ...valid, ...env })).toThrow(pattern);
  });
});
