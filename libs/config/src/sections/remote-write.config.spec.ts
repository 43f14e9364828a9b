import { ConfigError } from '../config-error';
import { loadConfig } from '../load-config';

const valid = { API_KEY: 'k'.repeat(32), ANONYMIZATION_KEY: 'a'.repeat(32) };

describe('RemoteWriteConfig', () => {
  it('has documented defaults and needs nothing while the store is not selected', () => {
    expect(loadConfig(valid).remoteWrite).toMatchObject({
      seriesLimit: 1000,
      concurrency: 4,
      timeoutMs: 30000,
      userLabels: true,
      headers: [],
      url: undefined,
    });
  });

  it('reads auth and extra headers', () => {
    const c = loadConfig({
      ...valid,
      REMOTE_WRITE_URL: 'https://mimir:8080/api/v1/push',
      REMOTE_WRITE_BEARER_TOKEN: 't',
      REMOTE_WRITE_HEADERS: 'X-Scope-OrgID=tenant-1, X-Extra=a=b',
    }).remoteWrite;
    expect(c).toMatchObject({ url: 'https://mimir:8080/api/v1/push', bearerToken: 't' });
    expect(c.extraHeaders).toEqual({ 'X-Scope-OrgID': 'tenant-1', 'X-Extra': 'a=b' });
  });

  it.each([
    [{ REMOTE_WRITE_URL: 'ftp://x' }, /^Invalid configuration: REMOTE_WRITE_URL="ftp:\/\/x": must be an http/],
    [
      { REMOTE_WRITE_USERNAME: 'u', REMOTE_WRITE_PASSWORD: 'p', REMOTE_WRITE_BEARER_TOKEN: 't' },
      /^Invalid configuration: REMOTE_WRITE_BEARER_TOKEN="<redacted>": cannot be combined with REMOTE_WRITE_USERNAME/,
    ],
    [
      { REMOTE_WRITE_HEADERS: 'no-equals' },
      /^Invalid configuration: REMOTE_WRITE_HEADERS="<redacted>": must be a comma-separated list of Name=value$/,
    ],
    [{ REMOTE_WRITE_SERIES_LIMIT: '0' }, /^Invalid configuration: REMOTE_WRITE_SERIES_LIMIT="0"/],
    [
      { REMOTE_WRITE_CONCURRENCY: 'many' },
      /^Invalid configuration: REMOTE_WRITE_CONCURRENCY="many": must be a number$/,
    ],
  ])('rejects %j with one line', (env, pattern) => {
    expect(() => loadConfig({ ...valid, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ ...valid, ...env })).toThrow(pattern);
  });
});
