import { IsBoolean, IsIn, IsInt, IsNumber, IsOptional, IsString, Max, Min } from 'class-validator';
import { Env } from '../env.decorator';

export class PostgresConfig {
  @Env('POSTGRES_HOST', { default: 'localhost' })
  @IsString()
  host!: string;

  @Env('POSTGRES_PORT', { default: 5432 })
  @IsInt()
  @Min(1)
  @Max(65535)
  port!: number;

  @Env('POSTGRES_DB', { default: 'usage_stats' })
  @IsString()
  database!: string;

  @Env('POSTGRES_USER')
  @IsOptional()
  @IsString()
  user?: string;

  @Env('POSTGRES_PASSWORD', { secret: true })
  @IsOptional()
  @IsString()
  password?: string;

  @Env('POSTGRES_SSL_MODE', { default: 'require' })
  @IsIn(['disable', 'require', 'verify-ca', 'verify-full'])
  sslMode!: 'disable' | 'require' | 'verify-ca' | 'verify-full';

  /** CA bundle for verify-ca / verify-full. */
  @Env('POSTGRES_SSL_CA_FILE')
  @IsOptional()
  @IsString()
  sslCaFile?: string;

  @Env('POSTGRES_MAX_CONNECTIONS', { default: 25 })
  @IsInt()
  @Min(1)
  @Max(1000)
  maxConnections!: number;

  /** Apply pending migrations when the store connects (under an advisory lock); off: run `migrate` yourself. */
  @Env('POSTGRES_MIGRATE_ON_START', { default: true })
  @IsBoolean()
  migrateOnStart!: boolean;

  @Env('POSTGRES_CONNECT_TIMEOUT_MS', { default: 5000 })
  @IsInt()
  @Min(100)
  @Max(120_000)
  connectTimeoutMs!: number;

  /** The analytics panel's heartbeat interval; with the factor below it caps each gap a session counts. */
  @Env('POSTGRES_SESSION_HEARTBEAT_SECONDS', { default: 60 })
  @IsNumber()
  @Min(1)
  @Max(86_400)
  sessionHeartbeatSeconds!: number;

  /** Gap cap = heartbeat × factor (the reference server's default 1.25); 0 counts every gap in full. */
  @Env('POSTGRES_SESSION_GAP_FACTOR', { default: 1.25 })
  @IsNumber()
  @Min(0)
  @Max(1000)
  sessionGapFactor!: number;
}
