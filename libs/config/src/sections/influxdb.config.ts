import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Max, Min, ValidateIf } from 'class-validator';
import { Env } from '../env.decorator';

const URL_OPTIONS = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

/**
 * InfluxDB store: line protocol over HTTP, either the 2.x/3.x API (/api/v2/write: org,
 * bucket, token) or the 1.x API (/write: database, retention policy, user/password).
 * Sections validate on their own, so what is required when STORAGE_TYPE includes influxdb is
 * enforced by the store at start.
 */
export class InfluxDbConfig {
  /** Required when STORAGE_TYPE includes influxdb (checked when the store is built). */
  @Env('INFLUXDB_URL')
  @IsOptional()
  @IsUrl(URL_OPTIONS, { message: 'must be an http:// or https:// URL' })
  url?: string;

  @Env('INFLUXDB_API_VERSION', { default: 2 })
  @IsIn([1, 2], { message: 'must be 1 (the /write API) or 2 (the /api/v2/write API)' })
  apiVersion!: number;

  /** Sent as `Authorization: Token ...`; optional because VictoriaMetrics and open 2.x setups need none. */
  @Env('INFLUXDB_TOKEN', { secret: true })
  @IsOptional()
  @IsString()
  token?: string;

  /** 2.x needs it; 3.x and VictoriaMetrics ignore it. */
  @Env('INFLUXDB_ORG')
  @IsOptional()
  @IsString()
  org?: string;

  /** Required for API version 2. */
  @Env('INFLUXDB_BUCKET')
  @IsOptional()
  @IsString()
  bucket?: string;

  /** Required for API version 1. */
  @Env('INFLUXDB_DATABASE')
  @IsOptional()
  @IsString()
  database?: string;

  @Env('INFLUXDB_RETENTION_POLICY')
  @IsOptional()
  @IsString()
  retentionPolicy?: string;

  /** 1.x credentials, sent as HTTP basic auth (never in the URL, where logs would keep them). */
  @Env('INFLUXDB_USERNAME')
  @IsOptional()
  @IsString()
  username?: string;

  @Env('INFLUXDB_PASSWORD', { secret: true })
  @ValidateIf((o: InfluxDbConfig) => o.username !== undefined)
  @IsString({ message: 'is required when INFLUXDB_USERNAME is set' })
  password?: string;

  @Env('INFLUXDB_PRECISION', { default: 'ns' })
  @IsIn(['ns', 'us', 'ms', 's'])
  precision!: 'ns' | 'us' | 'ms' | 's';

  /** Lines per HTTP request; InfluxDB recommends about 5000. */
  @Env('INFLUXDB_BATCH_SIZE', { default: 5000 })
  @IsInt()
  @Min(1)
  @Max(100000)
  batchSize!: number;

  @Env('INFLUXDB_GZIP', { default: true })
  @IsBoolean()
  gzip!: boolean;

  @Env('INFLUXDB_TIMEOUT_MS', { default: 10000 })
  @IsInt()
  @Min(100)
  @Max(600000)
  timeoutMs!: number;
}
