import { ConfigError } from '../config-error';
import { loadConfig } from '../load-config';

const valid = { API_KEY: 'k'.repeat(32), ANONYMIZATION_KEY: 'a'.repeat(32) };

describe('InfluxDbConfig', () => {
  it('has documented defaults and needs nothing while the store is not selected', () => {
    expect(loadConfig(valid).influxdb).toMatchObject({
      apiVersion: 2,
      precision: 'ns',
      batchSize: 5000,
      gzip: true,
      timeoutMs: 10000,
      url: undefined,
    });
  });

  it('reads the 1.x and 2.x settings', () => {
    const c = loadConfig({
      ...valid,
      INFLUXDB_URL: 'http://influx:8086',
      INFLUXDB_API_VERSION: '1',
      INFLUXDB_DATABASE: 'db',
      INFLUXDB_RETENTION_POLICY: 'rp',
      INFLUXDB_USERNAME: 'u',
      INFLUXDB_PASSWORD: 'p',
      INFLUXDB_PRECISION: 'ms',
      INFLUXDB_GZIP: 'false',
    }).influxdb;
    expect(c).toMatchObject({
      url: 'http://influx:8086',
      apiVersion: 1,
      database: 'db',
      retentionPolicy: 'rp',
      username: 'u',
      password: 'p',
      precision: 'ms',
      gzip: false,
    });
    expect(
      loadConfig({ ...valid, INFLUXDB_ORG: 'o', INFLUXDB_BUCKET: 'b', INFLUXDB_TOKEN: 't' }).influxdb,
    ).toMatchObject({ org: 'o', bucket: 'b', token: 't' });
  });

  it.each([
    [{ INFLUXDB_URL: 'influx:8086' }, /^Invalid configuration: INFLUXDB_URL="influx:8086": must be an http/],
    [{ INFLUXDB_API_VERSION: '3' }, /^Invalid configuration: INFLUXDB_API_VERSION="3": must be 1 .* or 2/],
    [{ INFLUXDB_PRECISION: 'h' }, /^Invalid configuration: INFLUXDB_PRECISION="h"/],
    [
      { INFLUXDB_USERNAME: 'u' },
      /^Invalid configuration: INFLUXDB_PASSWORD=\(unset\): is required when INFLUXDB_USERNAME is set$/,
    ],
    [
      { INFLUXDB_PASSWORD: 'secret', INFLUXDB_USERNAME: 'u', INFLUXDB_BATCH_SIZE: '0' },
      /^Invalid configuration: INFLUXDB_BATCH_SIZE="0"/,
    ],
  ])('rejects %j with one line', (env, pattern) => {
    expect(() => loadConfig({ ...valid, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ ...valid, ...env })).toThrow(pattern);
  });
});
