import type { StoreFactory } from '../store.factory';
import { BigQueryStore } from './bigquery.store';

export const createBigQueryStore: StoreFactory = (config, logger) =>
  new BigQueryStore(config.bigquery, logger.child({ store: 'bigquery' }));
