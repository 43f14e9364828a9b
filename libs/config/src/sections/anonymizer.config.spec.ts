import { ConfigError } from '../config-error';
import { loadConfig } from '../load-config';

const valid = { API_KEY: 'k'.repeat(32), ANONYMIZATION_KEY: 'a'.repeat(32) };

describe('AnonymizerConfig', () => {
  it('anonymizes in the worker by default, with one key and no dead-letter key', () => {
    const c = loadConfig(valid).anonymizer;
    expect(c).toMatchObject({ enabled: true, at: 'worker', keys: ['a'.repeat(32)], dlqEncryptionKeys: [] });
    expect(c.key).toBe('a'.repeat(32));
  });

  it('reads a key list with the current key first, ANONYMIZE_AT and dead-letter keys', () => {
    const dlq = ['0f'.repeat(32), `${Buffer.alloc(32, 1).toString('base64')}`];
    const c = loadConfig({
      ...valid,
      ANONYMIZATION_KEY: `${'n'.repeat(20)},${'o'.repeat(20)}`,
      ANONYMIZE_AT: 'ingest',
      DLQ_ENCRYPTION_KEY: dlq.join(','),
    }).anonymizer;
    expect(c).toMatchObject({ keys: ['n'.repeat(20), 'o'.repeat(20)], at: 'ingest', dlqEncryptionKeys: dlq });
    expect(c.key).toBe('n'.repeat(20));
  });

  it.each([
    [
      { ANONYMIZATION_KEY: `${'n'.repeat(20)},short` },
      /^Invalid configuration: ANONYMIZATION_KEY="<redacted>": each key must be at least 16 characters/,
    ],
    [{ ANONYMIZE_AT: 'edge' }, /^Invalid configuration: ANONYMIZE_AT="edge"/],
    [
      { DLQ_ENCRYPTION_KEY: 'abc' },
      /^Invalid configuration: DLQ_ENCRYPTION_KEY="<redacted>": each key must be 32 bytes/,
    ],
  ])('rejects %j with one line, never echoing a key', (env, pattern) => {
    expect(() => loadConfig({ ...valid, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ ...valid, ...env })).toThrow(pattern);
  });
});
