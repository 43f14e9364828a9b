import { ConfigError } from '../config-error';
import { loadConfig } from '../load-config';

const valid = { API_KEY: 'k'.repeat(32), ANONYMIZATION_KEY: 'a'.repeat(32) };

describe('BigQueryConfig', () => {
  it('has the documented defaults and needs nothing while the store is not selected', () => {
    expect(loadConfig(valid).bigquery).toMatchObject({
      projectId: undefined,
      dataset: 'usage_stats',
      table: 'events',
      credentialsFile: '/etc/secrets/bigquery.json',
      maxRowsPerRequest: 500,
      timeoutMs: 30000,
    });
  });

  it('reads overrides', () => {
    const c = loadConfig({
      ...valid,
      BIGQUERY_PROJECT_ID: 'my-project-1',
      BIGQUERY_DATASET: 'ds',
      BIGQUERY_TABLE: 'ev-2',
      BIGQUERY_API_ENDPOINT: 'http://localhost:9050',
      BIGQUERY_LOCATION: 'EU',
    }).bigquery;
    expect(c).toMatchObject({
      projectId: 'my-project-1',
      dataset: 'ds',
      table: 'ev-2',
      apiEndpoint: 'http://localhost:9050',
      location: 'EU',
    });
  });

  it.each([
    [
      { BIGQUERY_PROJECT_ID: 'My Project' },
      /^Invalid configuration: BIGQUERY_PROJECT_ID="My Project": must be a Google Cloud project id/,
    ],
    [
      { BIGQUERY_DATASET: 'usage-stats' },
      /^Invalid configuration: BIGQUERY_DATASET="usage-stats": must be letters, digits and underscores$/,
    ],
    [
      { BIGQUERY_API_ENDPOINT: 'localhost:9050' },
      /^Invalid configuration: BIGQUERY_API_ENDPOINT="localhost:9050": must be an http/,
    ],
    [{ BIGQUERY_MAX_ROWS_PER_REQUEST: '50001' }, /^Invalid configuration: BIGQUERY_MAX_ROWS_PER_REQUEST="50001"/],
  ])('rejects %j with one line', (env, pattern) => {
    expect(() => loadConfig({ ...valid, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ ...valid, ...env })).toThrow(pattern);
  });
});
