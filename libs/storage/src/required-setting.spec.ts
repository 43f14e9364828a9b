import { ConfigError, loadConfig } from '@app/config';
import { InfluxDbStore } from './influxdb/influxdb.store';
import { RemoteWriteStore } from './remote-write/remote-write.store';

const config = (env: Record<string, string>) =>
  loadConfig({ API_KEY: 'k'.repeat(32), ANONYMIZATION_KEY: 'a'.repeat(32), ...env });

describe('settings required once a store is selected', () => {
  it.each([
    [
      () => new InfluxDbStore(config({}).influxdb),
      'Invalid configuration: INFLUXDB_URL=(unset): is required when STORAGE_TYPE includes influxdb',
    ],
    [
      () => new InfluxDbStore(config({ INFLUXDB_URL: 'http://i:8086' }).influxdb),
      'Invalid configuration: INFLUXDB_BUCKET=(unset): is required when STORAGE_TYPE includes influxdb and INFLUXDB_API_VERSION=2',
    ],
    [
      () => new InfluxDbStore(config({ INFLUXDB_URL: 'http://i:8086', INFLUXDB_API_VERSION: '1' }).influxdb),
      'Invalid configuration: INFLUXDB_DATABASE=(unset): is required when STORAGE_TYPE includes influxdb and INFLUXDB_API_VERSION=1',
    ],
    [
      () => new RemoteWriteStore(config({}).remoteWrite),
      'Invalid configuration: REMOTE_WRITE_URL=(unset): is required when STORAGE_TYPE includes remote_write',
    ],
  ])('%#: one line naming the variable', (build, message) => {
    expect(build).toThrow(new ConfigError(message));
    expect(build).toThrow(ConfigError);
  });

  it('builds when they are set', () => {
    expect(new InfluxDbStore(config({ INFLUXDB_URL: 'http://i:8086/', INFLUXDB_BUCKET: 'b' }).influxdb).type).toBe(
      'influxdb',
    );
    expect(new RemoteWriteStore(config({ REMOTE_WRITE_URL: 'http://p:9090/api/v1/write' }).remoteWrite).type).toBe(
      'remote_write',
    );
  });
});
