import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { Env } from '../env.decorator';

export class RedisConfig {
  @Env('REDIS_HOST', { default: 'localhost' }) @IsString()
  host!: string;

  @Env('REDIS_PORT', { default: 6379 }) @IsInt() @Min(1) @Max(65535)
  port!: number;

  @Env('REDIS_PASSWORD', { secret: true }) @IsOptional() @IsString()
  password?: string;

  @Env('REDIS_DB', { default: 0 }) @IsInt() @Min(0) @Max(15)
  db!: number;

  /** Seconds an event id is remembered for dedupe. */
  @Env('REDIS_TTL', { default: 3600 }) @IsInt() @Min(1)
  ttlSeconds!: number;
}
