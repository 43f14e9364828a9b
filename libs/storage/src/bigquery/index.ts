export * from './bigquery.store';
export { TABLE_SCHEMA } from './bigquery.mapping';
