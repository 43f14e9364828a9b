import type { StoreFactory } from '../store.factory';
import { InfluxDbStore } from './influxdb.store';

export const createInfluxDbStore: StoreFactory = (config, logger) =>
  new InfluxDbStore(config.influxdb, logger.child({ store: 'influxdb' }));
