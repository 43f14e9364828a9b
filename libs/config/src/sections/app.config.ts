import { IsIn, IsInt, Max, Min } from 'class-validator';
import { Env } from '../env.decorator';

/** Ports, logging and request limits shared by both apps. */
export class AppConfig {
  @Env('PORT', { default: 8080 })
  @IsInt()
  @Min(1)
  @Max(65535)
  port!: number;

  @Env('HEALTH_CHECK_PORT', { default: 8081 })
  @IsInt()
  @Min(0)
  @Max(65535)
  healthCheckPort!: number;

  @Env('METRICS_PORT', { default: 9090 })
  @IsInt()
  @Min(0)
  @Max(65535)
  metricsPort!: number;

  @Env('LOG_LEVEL', { default: 'info' })
  @IsIn(['debug', 'info', 'warn', 'error'])
  logLevel!: 'debug' | 'info' | 'warn' | 'error';

  @Env('LOG_FORMAT', { default: 'json' })
  @IsIn(['json', 'text'])
  logFormat!: 'json' | 'text';

  /** Megabytes, applied to the body both as sent and once decompressed. */
  @Env('MAX_PAYLOAD_SIZE', { default: 10 })
  @Min(0.001)
  @Max(1024)
  maxPayloadSizeMb!: number;

  get maxPayloadBytes(): number {
    return Math.floor(this.maxPayloadSizeMb * 1024 * 1024);
  }
}
