import { IsBoolean, IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { Env } from '../env.decorator';

/** Limits and tuning of the ingest API and its Kafka micro-batcher. */
export class IngestConfig {
  /** Per-client token bucket (requests per second; 0 turns rate limiting off). */
  @Env('RATE_LIMIT_RPS', { default: 100 })
  @Min(0)
  @Max(1_000_000)
  rateLimitRps!: number;

  /** Requests a client may send at once before the per-second rate applies. */
  @Env('RATE_LIMIT_BURST', { default: 200 })
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  rateLimitBurst!: number;

  /** Items a batch on POST /api/v1/ingest may carry. */
  @Env('INGEST_BATCH_MAX_ITEMS', { default: 1000 })
  @IsInt()
  @Min(1)
  @Max(100_000)
  batchMaxItems!: number;

  /** Samples one Pushgateway-style push may carry. */
  @Env('PUSH_MAX_SAMPLES', { default: 10_000 })
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  pushMaxSamples!: number;

  /** Nesting depth of JSON bodies; deeper documents are refused before parsing. */
  @Env('JSON_MAX_DEPTH', { default: 32 })
  @IsInt()
  @Min(2)
  @Max(1000)
  jsonMaxDepth!: number;

  /** Longest the micro-batcher waits for more messages before sending (ms). */
  @Env('KAFKA_PRODUCER_LINGER_MS', { default: 2 })
  @Min(0)
  @Max(1000)
  producerLingerMs!: number;

  /** A batch is sent at once when it reaches this many messages. */
  @Env('KAFKA_PRODUCER_BATCH_MESSAGES', { default: 1000 })
  @IsInt()
  @Min(1)
  @Max(100_000)
  producerBatchMessages!: number;

  /** ... or this many bytes. */
  @Env('KAFKA_PRODUCER_BATCH_BYTES', { default: 1_048_576 })
  @IsInt()
  @Min(1024)
  @Max(104_857_600)
  producerBatchBytes!: number;

  /** Messages waiting for the broker beyond which new requests get 503 at once. */
  @Env('KAFKA_PRODUCER_MAX_QUEUED', { default: 20_000 })
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  producerMaxQueued!: number;

  /** Batches in flight at once when the producer is not idempotent (the idempotent producer sends one at a time). */
  @Env('KAFKA_PRODUCER_MAX_IN_FLIGHT', { default: 1 })
  @IsInt()
  @Min(1)
  @Max(64)
  producerMaxInFlight!: number;

  /** Broker-side deduplication of the producer's own retries (needs IDEMPOTENT_WRITE). */
  @Env('KAFKA_PRODUCER_IDEMPOTENT', { default: true })
  @IsBoolean()
  producerIdempotent!: boolean;

  /** Seconds a 503 tells the client to wait before retrying. */
  @Env('RETRY_AFTER_SECONDS', { default: 5 })
  @IsInt()
  @Min(1)
  @Max(3600)
  retryAfterSeconds!: number;

  /**
   * Which peers may set X-Forwarded-For (Fastify trustProxy): empty (no one: the socket address
   * counts), true, false, a hop count, or a comma-separated list of addresses/CIDRs (also
   * "loopback,linklocal,uniquelocal"). The client address keys the rate limit and is part of the
   * usage report's event id, so only name the proxies in front of this API.
   */
  @Env('TRUST_PROXY', { default: '' })
  @IsString()
  @Matches(/^(true|false|\d+|[0-9A-Za-z.:/,\s]*)$/, {
    message: 'must be true, false, a hop count or a list of addresses/CIDRs',
  })
  trustProxy!: string;

  /**
   * Longest a whole request (headers and body) may take to arrive; a client trickling its body is
   * answered 408 and its connection closed (ms).
   */
  @Env('HTTP_REQUEST_TIMEOUT_MS', { default: 30_000 })
  @IsInt()
  @Min(1000)
  @Max(3_600_000)
  httpRequestTimeoutMs!: number;

  /** Longest the request line and headers may take to arrive (ms; at most HTTP_REQUEST_TIMEOUT_MS). */
  @Env('HTTP_HEADERS_TIMEOUT_MS', { default: 10_000 })
  @IsInt()
  @Min(1000)
  @Max(3_600_000)
  httpHeadersTimeoutMs!: number;

  /** An idle keep-alive connection is closed after this (ms; above a load balancer's idle timeout). */
  @Env('HTTP_KEEP_ALIVE_TIMEOUT_MS', { default: 72_000 })
  @IsInt()
  @Min(1000)
  @Max(3_600_000)
  httpKeepAliveTimeoutMs!: number;

  /** A connection with no traffic at all for this long is destroyed (ms). */
  @Env('HTTP_CONNECTION_TIMEOUT_MS', { default: 120_000 })
  @IsInt()
  @Min(1000)
  @Max(3_600_000)
  httpConnectionTimeoutMs!: number;

  /** Longest a SIGTERM waits for in-flight requests and the final flush (ms). */
  @Env('SHUTDOWN_TIMEOUT_MS', { default: 10_000 })
  @IsInt()
  @Min(0)
  @Max(300_000)
  shutdownTimeoutMs!: number;
}
