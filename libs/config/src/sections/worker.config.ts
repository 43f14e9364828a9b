import { cpus } from 'node:os';
import { ArrayNotEmpty, IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { Env } from '../env.decorator';

export const STORAGE_TYPES = ['postgres', 'bigquery', 'influxdb', 'remote_write'] as const;
export type StorageType = (typeof STORAGE_TYPES)[number];

export class WorkerConfig {
  @Env('WORKERS', { default: Math.max(1, cpus().length) }) @IsInt() @Min(1) @Max(256)
  workers!: number;

  /** YAML transform/filter rules; see docs/rules.md. */
  @Env('CONFIG_FILE') @IsOptional() @IsString()
  configFile?: string;

  /** One store, or several (comma-separated), each then consumed by its own group. */
  @Env('STORAGE_TYPE', { default: ['postgres'], list: true })
  @ArrayNotEmpty() @IsIn(STORAGE_TYPES, { each: true, message: `must be one of ${STORAGE_TYPES.join('|')} (or a comma-separated list of them)` })
  storageTypes!: StorageType[];
}
