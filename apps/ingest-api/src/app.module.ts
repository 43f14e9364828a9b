import { DynamicModule, Module } from '@nestjs/common';
import { Config, ConfigModule } from '@app/config';
import { Logger } from '@app/observability';
import { AnalyticsController } from './controllers/analytics.controller';
import { IngestController } from './controllers/ingest.controller';
import { PushgatewayController } from './controllers/pushgateway.controller';
import { UsageReportController } from './controllers/usage-report.controller';
import { HealthModule } from './health/health.module';
import { EventPublisher } from './kafka/event-publisher.service';
import { LOGGER } from './logger.token';
import { IngestMetrics } from './metrics/ingest.metrics';
import { MetricsServer } from './metrics/metrics-server.service';
import { OpenApiController } from './openapi/openapi.controller';
import { PayloadValidator } from './parsing/payload-validator';
import { AnalyticsService } from './services/analytics.service';
import { BatchService } from './services/batch.service';
import { EdgeAnonymizer } from './services/edge-anonymizer';
import { IngestService } from './services/ingest.service';
import { PushService } from './services/push.service';
import { UsageReportService } from './services/usage-report.service';

export { LOGGER } from './logger.token';

/** The ingest API: one controller per client protocol, all publishing through one Kafka micro-batcher. */
@Module({})
export class AppModule {
  static forRoot(config: Config, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [ConfigModule.forRoot(config), HealthModule],
      controllers: [
        UsageReportController,
        IngestController,
        AnalyticsController,
        PushgatewayController,
        OpenApiController,
      ],
      providers: [
        { provide: LOGGER, useValue: logger },
        { provide: IngestMetrics, useValue: new IngestMetrics() },
        { provide: PayloadValidator, useValue: new PayloadValidator() },
        { provide: EdgeAnonymizer, useValue: EdgeAnonymizer.from(config) },
        EventPublisher,
        IngestService,
        UsageReportService,
        AnalyticsService,
        BatchService,
        PushService,
        MetricsServer,
      ],
      exports: [LOGGER, EventPublisher, IngestMetrics],
      global: true,
    };
  }
}
