import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { HealthPortServer } from './health-port.server';
import { HealthProbes } from './health-probes.service';
import { KafkaProducerIndicator } from './kafka-producer.indicator';

// Terminus would log every failed probe; the producer logs an outage once instead.
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [KafkaProducerIndicator, HealthProbes, HealthPortServer],
})
export class HealthModule {}
