import {
  ArrayNotEmpty,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import { Env } from '../env.decorator';

export class KafkaConfig {
  @Env('KAFKA_BROKERS', { default: ['localhost:9092'], list: true })
  @ArrayNotEmpty()
  @Matches(/^[^\s:]+:\d{1,5}$/, { each: true, message: 'must be a comma-separated list of host:port' })
  brokers!: string[];

  @Env('KAFKA_CLIENT_ID', { default: 'usage-stats-handler' })
  @IsString()
  clientId!: string;

  @Env('KAFKA_TOPIC', { default: 'usage-events' })
  @Matches(/^[a-zA-Z0-9._-]{1,249}$/)
  topic!: string;

  @Env('KAFKA_DEAD_LETTER_TOPIC', { default: 'usage-events-dlq' })
  @Matches(/^[a-zA-Z0-9._-]{1,249}$/)
  deadLetterTopic!: string;

  /**
   * Largest dead-letter record and produce request the worker sends: keep it at or below the
   * dead-letter topic's max.message.bytes (broker default about 1 MB). Letters are sent in
   * chunks under it; a bigger letter loses its payload (the letter says so).
   */
  @Env('KAFKA_DEAD_LETTER_MAX_BYTES', { default: 1_000_000 })
  @IsInt()
  @Min(10_000)
  @Max(100_000_000)
  deadLetterMaxBytes!: number;

  @Env('KAFKA_CONSUMER_GROUP', { default: 'usage-stats-worker' })
  @IsString()
  consumerGroup!: string;

  @Env('KAFKA_TOPIC_PARTITIONS', { default: 12 })
  @IsInt()
  @Min(1)
  @Max(10000)
  partitions!: number;

  /** Copies of each record; unset: 3 on a cluster of three brokers or more, else one per broker. */
  @Env('KAFKA_REPLICATION_FACTOR')
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(16)
  replicationFactor?: number;

  /** Copies acks=all waits for; unset: 2 when the factor is 3 or more, else 1. */
  @Env('KAFKA_MIN_INSYNC_REPLICAS')
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(16)
  minInsyncReplicas?: number;

  /**
   * Largest record the topics take (their max.message.bytes) and the API sends. It must hold the
   * largest accepted request (MAX_PAYLOAD_SIZE) plus its envelope; a request that does not fit gets 413.
   */
  @Env('KAFKA_MAX_MESSAGE_BYTES', { default: 12_582_912 })
  @IsInt()
  @Min(65_536)
  @Max(1_073_741_824)
  maxMessageBytes!: number;

  /** Retention of the events topic: this is the replay window for backfills. */
  @Env('KAFKA_RETENTION_HOURS', { default: 168 })
  @IsInt()
  @Min(1)
  retentionHours!: number;

  /** Create or verify topics at start; operators may turn this off and run `usage-stats topics`. */
  @Env('KAFKA_PROVISION_TOPICS', { default: true })
  @IsBoolean()
  provisionTopics!: boolean;

  /** Codec of the events the API produces; every consumer decodes all of them (codecs registered with the client). */
  @Env('KAFKA_COMPRESSION', { default: 'none' })
  @IsIn(['none', 'gzip', 'lz4', 'zstd'])
  compression!: 'none' | 'gzip' | 'lz4' | 'zstd';

  /**
   * Client library of the events producer (API, collector): @platformatic/kafka, at about a third
   * of kafkajs's CPU per message, or kafkajs. Consumers and operator tools use kafkajs either way.
   */
  @Env('KAFKA_PRODUCER_CLIENT', { default: 'platformatic' })
  @IsIn(['kafkajs', 'platformatic'])
  producerClient!: 'kafkajs' | 'platformatic';

  /** Upper bound on waiting for the broker's acknowledgement before answering 503. */
  @Env('KAFKA_ACK_TIMEOUT_MS', { default: 5000 })
  @IsInt()
  @Min(100)
  @Max(120000)
  ackTimeoutMs!: number;

  @Env('KAFKA_SSL', { default: false })
  @IsBoolean()
  ssl!: boolean;

  @Env('KAFKA_SASL_MECHANISM')
  @IsOptional()
  @IsIn(['plain', 'scram-sha-256', 'scram-sha-512'])
  saslMechanism?: 'plain' | 'scram-sha-256' | 'scram-sha-512';

  @Env('KAFKA_SASL_USERNAME')
  @ValidateIf((o: KafkaConfig) => o.saslMechanism !== undefined)
  @IsString({ message: 'is required when KAFKA_SASL_MECHANISM is set' })
  saslUsername?: string;

  @Env('KAFKA_SASL_PASSWORD', { secret: true })
  @ValidateIf((o: KafkaConfig) => o.saslMechanism !== undefined)
  @IsString({ message: 'is required when KAFKA_SASL_MECHANISM is set' })
  saslPassword?: string;
}
