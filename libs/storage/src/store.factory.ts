import { STORAGE_TYPES, StorageType } from '@app/config';
import type { Config } from '@app/config';
import type { Logger } from '@app/observability';
import { BigQueryStore } from './bigquery.store';
import { InfluxDbStore } from './influxdb.store';
import { PostgresStore } from './postgres.store';
import { RedisPushGroupMemory } from './remote-write.group-memory';
import { RemoteWriteStore } from './remote-write.store';
import type { Store } from './store';

export type StoreFactory = (config: Config, logger: Logger) => Store;

/** One line per store; adding a store never touches the pipeline. */
export const STORE_FACTORIES: Partial<Record<StorageType, StoreFactory>> = {
  postgres: (config, logger) => new PostgresStore(config.postgres, logger.child({ store: 'postgres' }), `usage-stats-${process.pid}`),
  bigquery: (config, logger) => new BigQueryStore(config.bigquery, logger.child({ store: 'bigquery' })),
  influxdb: (config, logger) => new InfluxDbStore(config.influxdb, logger.child({ store: 'influxdb' })),
  // Redis, when the deployment uses it, keeps push group states across restarts (staleness markers).
  remote_write: (config, logger) => new RemoteWriteStore(config.remoteWrite, logger.child({ store: 'remote_write' }), {
    groupMemory: config.redis.dedupeEnabled ? new RedisPushGroupMemory(config.redis) : undefined,
  }),
};

export class UnknownStoreError extends Error {
  override readonly name = 'UnknownStoreError';
}

/** Builds the store of one STORAGE_TYPE entry; tells an unknown type from one not built in. */
export function createStore(type: string, config: Config, logger: Logger): Store {
  if (!(STORAGE_TYPES as readonly string[]).includes(type)) {
    throw new UnknownStoreError(`STORAGE_TYPE=${JSON.stringify(type)}: unknown store type (one of ${STORAGE_TYPES.join('|')})`);
  }
  const factory = STORE_FACTORIES[type as StorageType];
  if (!factory) {
    throw new UnknownStoreError(`STORAGE_TYPE=${type}: no store is registered for this type in this build (registered: ${Object.keys(STORE_FACTORIES).join(', ')})`);
  }
  return factory(config, logger);
}
