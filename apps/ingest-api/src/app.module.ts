import { DynamicModule, Module } from '@nestjs/common';
import { Config, ConfigModule } from '@app/config';
import { Logger } from '@app/observability';
import { HealthModule } from './health/health.module';

export const LOGGER = Symbol('LOGGER');

@Module({})
export class AppModule {
  static forRoot(config: Config, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [ConfigModule.forRoot(config), HealthModule],
      providers: [{ provide: LOGGER, useValue: logger }],
      exports: [LOGGER],
      global: true,
    };
  }
}
