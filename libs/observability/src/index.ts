export * from './logger';
export * from './metrics';
export * from './nest-logger';
export * from './ledger.metrics';
export * from './probe.server';
export * from './heap';
