import { STORAGE_TYPES, StorageType } from '@app/config';
import type { Config } from '@app/config';
import type { Logger } from '@app/observability';
import type { Store } from './store';

/** Builds a store from its section of the configuration; each store's folder has one (`<store>.factory.ts`). */
export type StoreFactory = (config: Config, logger: Logger) => Store;

/**
 * The registration of every store: one line each, naming its folder's factory. A store's module,
 * and with it its client library, is loaded only when STORAGE_TYPE names it (the BigQuery client
 * alone costs a process about 100 ms and 16 MB). Adding a store never touches the pipeline; a name
 * in STORAGE_TYPES without its line here does not compile.
 */
export const STORE_FACTORIES: Record<StorageType, () => Promise<StoreFactory>> = {
  postgres: () => import('./postgres/postgres.factory').then((m) => m.createPostgresStore),
  bigquery: () => import('./bigquery/bigquery.factory').then((m) => m.createBigQueryStore),
  influxdb: () => import('./influxdb/influxdb.factory').then((m) => m.createInfluxDbStore),
  remote_write: () => import('./remote-write/remote-write.factory').then((m) => m.createRemoteWriteStore),
};

export class UnknownStoreError extends Error {
  override readonly name = 'UnknownStoreError';
}

/** Builds the store of one STORAGE_TYPE entry; tells an unknown type from one not built in. */
export async function createStore(type: string, config: Config, logger: Logger): Promise<Store> {
  if (!(STORAGE_TYPES as readonly string[]).includes(type)) {
    throw new UnknownStoreError(
      `STORAGE_TYPE=${JSON.stringify(type)}: unknown store type (one of ${STORAGE_TYPES.join('|')})`,
    );
  }
  return (await STORE_FACTORIES[type as StorageType]())(config, logger);
}
