import { ConfigError } from '../config-error';
import { loadConfig } from '../load-config';

const valid = { API_KEY: 'k'.repeat(32), ANONYMIZATION_KEY: 'a'.repeat(32) };

describe('IngestConfig', () => {
  it('has safe defaults', () => {
    const c = loadConfig(valid).ingest;
    expect(c).toMatchObject({
      rateLimitRps: 100,
      rateLimitBurst: 200,
      batchMaxItems: 1000,
      pushMaxSamples: 10_000,
      jsonMaxDepth: 32,
      producerLingerMs: 2,
      producerBatchMessages: 1000,
      producerIdempotent: true,
      retryAfterSeconds: 5,
      trustProxy: '',
    });
  });

  it('reads overrides', () => {
    const c = loadConfig({
      ...valid,
      RATE_LIMIT_RPS: '0',
      PUSH_MAX_SAMPLES: '5',
      KAFKA_PRODUCER_IDEMPOTENT: 'false',
      TRUST_PROXY: '10.0.0.0/8',
    }).ingest;
    expect(c).toMatchObject({
      rateLimitRps: 0,
      pushMaxSamples: 5,
      producerIdempotent: false,
      trustProxy: '10.0.0.0/8',
    });
  });

  it.each([
    [{ RATE_LIMIT_BURST: '0' }, /^Invalid configuration: RATE_LIMIT_BURST="0"/],
    [{ JSON_MAX_DEPTH: 'deep' }, /^Invalid configuration: JSON_MAX_DEPTH="deep": must be a number$/],
    [{ TRUST_PROXY: 'yes please!' }, /^Invalid configuration: TRUST_PROXY="yes please!"/],
  ])('rejects %j with one line', (env, pattern) => {
    expect(() => loadConfig({ ...valid, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ ...valid, ...env })).toThrow(pattern);
  });
});
