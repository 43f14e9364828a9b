// Kafka for the running services: client construction, publishing (API), consuming with
// commits (worker), the dead-letter sink, backoff and topic provisioning. Operator tooling
// (range reads, offsets for times, the recovery log) is @app/kafka/admin.
export * from './kafka-client';
export * from './backoff';
export * from './topics';
export * from './topic-provisioning';
export * from './batching-producer';
export * from './record-sender';
export * from './record-senders';
export * from './kafkajs-sender';
export * from './producer-connection';
export * from './batch-consumer';
export * from './topic-producer';
export * from './dead-letter-producer';
