export * from './remote-write.store';
export { RedisPushGroupMemory } from './remote-write.group-memory';
