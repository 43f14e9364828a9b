import type { StoreFactory } from '../store.factory';
import { RedisPushGroupMemory } from './remote-write.group-memory';
import { RemoteWriteStore } from './remote-write.store';

// Redis, when the deployment uses it, keeps push group states across restarts (staleness markers).
export const createRemoteWriteStore: StoreFactory = (config, logger) =>
  new RemoteWriteStore(config.remoteWrite, logger.child({ store: 'remote_write' }), {
    groupMemory: config.redis.dedupeEnabled ? new RedisPushGroupMemory(config.redis) : undefined,
  });
