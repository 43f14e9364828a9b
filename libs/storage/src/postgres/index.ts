export * from './postgres.store';
export * from './postgres-migrations';
export * from './postgres-rollups';
