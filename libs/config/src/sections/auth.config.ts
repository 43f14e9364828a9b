import { ArrayNotEmpty, IsBoolean, MinLength, ValidateIf } from 'class-validator';
import { Env } from '../env.decorator';

export class AuthConfig {
  @Env('AUTH_ENABLED', { default: true }) @IsBoolean()
  enabled!: boolean;

  /** Comma-separated so a new key can be rolled out before the old one is retired. */
  @Env('API_KEY', { secret: true, list: true, default: [] })
  @ValidateIf((o: AuthConfig) => o.enabled === true)
  @ArrayNotEmpty({ message: 'is required when AUTH_ENABLED=true (a comma-separated list of keys)' })
  @MinLength(16, { each: true, message: 'each key must be at least 16 characters' })
  apiKeys!: string[];

  /** Grafana cannot attach credentials to its usage report, so its route may be opened. */
  @Env('GRAFANA_REPORT_PUBLIC', { default: false }) @IsBoolean()
  grafanaReportPublic!: boolean;
}
