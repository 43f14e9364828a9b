import { ArrayNotEmpty, IsBoolean, IsIn, IsInt, IsNumber, IsOptional, IsString, Max, Min } from 'class-validator';
import { usableCpus } from '../cpu-quota';
import { Env } from '../env.decorator';

export const STORAGE_TYPES = ['postgres', 'bigquery', 'influxdb', 'remote_write'] as const;
export type StorageType = (typeof STORAGE_TYPES)[number];

export class WorkerConfig {
  /** Consumer processes; by default the CPUs the process may use (cgroup quota), not the host's cores. */
  @Env('WORKERS', { default: Math.min(256, usableCpus()) })
  @IsInt()
  @Min(1)
  @Max(256)
  workers!: number;

  /** YAML transform/filter rules; see docs/rules.md. */
  @Env('CONFIG_FILE')
  @IsOptional()
  @IsString()
  configFile?: string;

  /** One store, or several (comma-separated), each then consumed by its own group. */
  @Env('STORAGE_TYPE', { default: ['postgres'], list: true })
  @ArrayNotEmpty()
  @IsIn(STORAGE_TYPES, {
    each: true,
    message: `must be one of ${STORAGE_TYPES.join('|')} (or a comma-separated list of them)`,
  })
  storageTypes!: StorageType[];

  /** Upper bound of one fetch per partition: with ~1-3 KB envelopes, 1 MiB makes batches of a few hundred. */
  @Env('WORKER_FETCH_MAX_BYTES_PER_PARTITION', { default: 1_048_576 })
  @IsInt()
  @Min(1024)
  fetchMaxBytesPerPartition!: number;

  /**
   * The broker holds a fetch until this much data is ready (or WORKER_FETCH_MAX_WAIT_MS
   * passes): under load, fuller batches per store write; when idle, no extra latency beyond the wait.
   */
  @Env('WORKER_FETCH_MIN_BYTES', { default: 262_144 })
  @IsInt()
  @Min(1)
  @Max(52_428_800)
  fetchMinBytes!: number;

  /** V8 old-space cap of each consumer process in MB (0: V8's default); NODE_OPTIONS wins if it sets one. */
  @Env('WORKER_MAX_HEAP_MB', { default: 224 })
  @IsInt()
  @Min(0)
  @Max(65_536)
  maxHeapMb!: number;

  /**
   * How far each consumer's old space may grow past its live size before V8 runs a full
   * collection, in percent (V8's --heap-growing-percent; 0: V8's own choice). Under a cap below
   * its default V8 grows by 1.3x only, so a consumer with ~25 MB live ran a full collection
   * every 1-2 s, and each one dropped the optimized code of the per-batch callbacks, which were
   * compiled again. The cap still bounds the heap.
   */
  @Env('WORKER_HEAP_GROWING_PERCENT', { default: 100 })
  @IsInt()
  @Min(0)
  @Max(1000)
  heapGrowingPercent!: number;

  /**
   * How long the broker may hold a fetch waiting for WORKER_FETCH_MIN_BYTES: the latency floor
   * of a quiet topic, and how long the last events of a burst wait. At 1,000 reports/s the
   * minimum fills first, so batches keep their size; an idle pool of two consumers polls for
   * 4.75% of a core (3.5% at 500 ms, 6.5% at 100 ms).
   */
  @Env('WORKER_FETCH_MAX_WAIT_MS', { default: 200 })
  @IsInt()
  @Min(0)
  @Max(30_000)
  fetchMaxWaitMs!: number;

  /** Batches (partitions) written concurrently per consumer; each holds one store connection. */
  @Env('WORKER_PARTITIONS_CONCURRENCY', { default: 2 })
  @IsInt()
  @Min(1)
  @Max(64)
  partitionsConcurrency!: number;

  /**
   * Partitions whose batches of one fetch are written as one batch (one dedupe round trip, one
   * store write, one offset commit); each partition still retries and commits on its own. 1: off.
   */
  @Env('WORKER_COALESCE_PARTITIONS', { default: 64 })
  @IsInt()
  @Min(1)
  @Max(256)
  coalescePartitions!: number;

  /** A crashed consumer's partitions move to the others after this long. */
  @Env('WORKER_SESSION_TIMEOUT_MS', { default: 15_000 })
  @IsInt()
  @Min(6_000)
  @Max(300_000)
  sessionTimeoutMs!: number;

  @Env('WORKER_HEARTBEAT_INTERVAL_MS', { default: 3_000 })
  @IsInt()
  @Min(100)
  @Max(60_000)
  heartbeatIntervalMs!: number;

  /** Capped exponential backoff while a store is failing (the partition waits, nothing is committed). */
  @Env('WORKER_RETRY_INITIAL_MS', { default: 500 })
  @IsInt()
  @Min(10)
  retryInitialMs!: number;

  @Env('WORKER_RETRY_MAX_MS', { default: 30_000 })
  @IsInt()
  @Min(10)
  retryMaxMs!: number;

  /**
   * If more than this share of a batch would be dead-lettered, the batch fails instead (a bug
   * or a broken rule is likelier than that much poison), unless the batch is smaller than
   * WORKER_DLQ_MIN_BATCH.
   */
  @Env('WORKER_DLQ_MAX_RATIO', { default: 0.5 })
  @IsNumber()
  @Min(0)
  @Max(1)
  dlqMaxRatio!: number;

  @Env('WORKER_DLQ_MIN_BATCH', { default: 10 })
  @IsInt()
  @Min(1)
  dlqMinBatch!: number;

  /** New consumer groups start at the oldest retained event, so nothing accepted before the first start is skipped. */
  @Env('WORKER_FROM_BEGINNING', { default: true })
  @IsBoolean()
  fromBeginning!: boolean;

  /** On SIGTERM, children get this long to leave the group before they are killed. */
  @Env('WORKER_SHUTDOWN_TIMEOUT_MS', { default: 15_000 })
  @IsInt()
  @Min(1_000)
  shutdownTimeoutMs!: number;
}
