// Kafka for operator tooling (the CLI): range reads, offsets for times, group positions,
// retention, timestamp peeking, the dead-letter recovery log and topic checks.
export * from './topic-admin';
export * from './offsets-for-range';
export * from './range-reader';
export * from './retention-info';
export * from './timestamp-peeker';
export * from './recovery-log';
export { ensureRecoveryTopic, ensureTopics, recoveryTopicOf, recoveryTopicPlan, type TopicReport } from '../topics';
