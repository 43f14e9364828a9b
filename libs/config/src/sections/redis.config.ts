import { IsBoolean, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { Env } from '../env.decorator';

export class RedisConfig {
  @Env('REDIS_HOST', { default: 'localhost' })
  @IsString()
  host!: string;

  @Env('REDIS_PORT', { default: 6379 })
  @IsInt()
  @Min(1)
  @Max(65535)
  port!: number;

  @Env('REDIS_PASSWORD', { secret: true })
  @IsOptional()
  @IsString()
  password?: string;

  @Env('REDIS_DB', { default: 0 })
  @IsInt()
  @Min(0)
  @Max(15)
  db!: number;

  /** Seconds an event id is remembered for dedupe. */
  @Env('REDIS_TTL', { default: 3600 })
  @IsInt()
  @Min(1)
  ttlSeconds!: number;

  /** Dedupe keys are `<prefix>:<store>:<event id>`; one Redis may serve several deployments. */
  @Env('REDIS_KEY_PREFIX', { default: 'usage-stats:dedupe' })
  @Matches(/^[^\s]{1,100}$/)
  keyPrefix!: string;

  /** The store's unique event id is the final guard; Redis only spares it the duplicate writes. */
  @Env('REDIS_DEDUPE_ENABLED', { default: true })
  @IsBoolean()
  dedupeEnabled!: boolean;

  /** Per-command bound: a slow or unreachable Redis must not stall the pipeline. */
  @Env('REDIS_COMMAND_TIMEOUT_MS', { default: 1000 })
  @IsInt()
  @Min(50)
  @Max(60_000)
  commandTimeoutMs!: number;
}
