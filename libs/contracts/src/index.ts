export * from './analytics-event.schema';
export * from './canonical-json';
export * from './envelope';
export * from './envelope.codec';
export * from './event-id';
export * from './metrics-push.schema';
export * from './usage-report.schema';
