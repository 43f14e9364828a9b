export * from './influxdb.store';
