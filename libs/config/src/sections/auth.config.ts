import { ArrayNotEmpty, IsBoolean, IsIn, ValidateIf } from 'class-validator';
import { Env } from '../env.decorator';
import { IsApiKeyEntry, ROUTE_GROUPS, RouteGroup } from './api-key-entry';

export class AuthConfig {
  @Env('AUTH_ENABLED', { default: true })
  @IsBoolean()
  enabled!: boolean;

  /**
   * Comma-separated so a new key can be rolled out before the old one is retired. An entry
   * `key:panel` (or `key:push+batch`) opens only those route groups (see api-key-entry.ts).
   */
  @Env('API_KEY', { secret: true, list: true, default: [] })
  @ValidateIf((o: AuthConfig) => o.enabled === true)
  @ArrayNotEmpty({ message: 'is required when AUTH_ENABLED=true (a comma-separated list of keys)' })
  @IsApiKeyEntry()
  apiKeys!: string[];

  /** Grafana cannot attach credentials to its usage report, so its route may be opened (= PUBLIC_ROUTES=report). */
  @Env('GRAFANA_REPORT_PUBLIC', { default: false })
  @IsBoolean()
  grafanaReportPublic!: boolean;

  /**
   * Route groups open without a key, for senders that cannot attach one (Grafana's report,
   * InfluxDB's telemetry pusher). Rate and size limits still apply per address.
   */
  @Env('PUBLIC_ROUTES', { list: true, default: [] })
  @IsIn(ROUTE_GROUPS, { each: true, message: `must be a comma-separated list of ${ROUTE_GROUPS.join(', ')}` })
  publicRoutes!: RouteGroup[];
}
