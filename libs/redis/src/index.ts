export * from './redis.client';
export * from './redis-dedupe.repository';
export * from './redis-strings.repository';
export * from './guard-hold.repository';
