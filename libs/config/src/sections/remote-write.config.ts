import { IsBoolean, IsEmpty, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min, ValidateIf } from 'class-validator';
import { Env } from '../env.decorator';

const URL_OPTIONS = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

/**
 * Prometheus remote write store (Prometheus with --web.enable-remote-write-receiver, Mimir,
 * Cortex, Thanos receive, VictoriaMetrics, ...). Sections validate on their own, so the URL
 * being required when STORAGE_TYPE includes remote_write is enforced by the store at start.
 */
export class RemoteWriteConfig {
  /** e.g. http://prometheus:9090/api/v1/write or http://victoria-metrics:8428/api/v1/write */
  /** Required when STORAGE_TYPE includes remote_write (checked when the store is built). */
  @Env('REMOTE_WRITE_URL')
  @IsOptional()
  @IsUrl(URL_OPTIONS, { message: 'must be an http:// or https:// URL' })
  url?: string;

  @Env('REMOTE_WRITE_USERNAME')
  @IsOptional()
  @IsString()
  username?: string;

  @Env('REMOTE_WRITE_PASSWORD', { secret: true })
  @ValidateIf((o: RemoteWriteConfig) => o.username !== undefined)
  @IsString({ message: 'is required when REMOTE_WRITE_USERNAME is set' })
  password?: string;

  @Env('REMOTE_WRITE_BEARER_TOKEN', { secret: true })
  @ValidateIf((o: RemoteWriteConfig) => o.username !== undefined)
  @IsEmpty({ message: 'cannot be combined with REMOTE_WRITE_USERNAME (choose basic or bearer auth)' })
  bearerToken?: string;

  /** Extra headers as a comma-separated list of Name=value, e.g. X-Scope-OrgID=tenant-1. */
  @Env('REMOTE_WRITE_HEADERS', { list: true, default: [], secret: true })
  @Matches(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+=.+$/, { each: true, message: 'must be a comma-separated list of Name=value' })
  headers!: string[];

  /** Series per request (iLogtail's SeriesLimit); larger batches are split. */
  @Env('REMOTE_WRITE_SERIES_LIMIT', { default: 1000 })
  @IsInt()
  @Min(1)
  @Max(100000)
  seriesLimit!: number;

  /** Requests in flight at once per store. */
  @Env('REMOTE_WRITE_CONCURRENCY', { default: 4 })
  @IsInt()
  @Min(1)
  @Max(64)
  concurrency!: number;

  @Env('REMOTE_WRITE_TIMEOUT_MS', { default: 30000 })
  @IsInt()
  @Min(100)
  @Max(600000)
  timeoutMs!: number;

  /** Label panel-session counters with user_login and user_name (as the reference server does by default). */
  @Env('REMOTE_WRITE_USER_LABELS', { default: true })
  @IsBoolean()
  userLabels!: boolean;

  /** The headers as name/value pairs. */
  get extraHeaders(): Record<string, string> {
    return Object.fromEntries(
      this.headers.map((h) => {
        const i = h.indexOf('=');
        return [h.slice(0, i).trim(), h.slice(i + 1).trim()];
      }),
    );
  }
}
