import type { StoreFactory } from '../store.factory';
import { PostgresStore } from './postgres.store';

export const createPostgresStore: StoreFactory = (config, logger) =>
  new PostgresStore(config.postgres, logger.child({ store: 'postgres' }), `usage-stats-${process.pid}`);
