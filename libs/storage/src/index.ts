export * from './store';
export * from './postgres.store';
export * from './postgres/postgres-migrations';
export * from './store.factory';
export * from './bigquery.store';
export * from './influxdb.store';
export * from './remote-write.store';
export * from './postgres/postgres-rollups';
