import { Injectable } from '@nestjs/common';
import { HealthCheckService } from '@nestjs/terminus';
import { KafkaProducerIndicator } from './kafka-producer.indicator';

/** Liveness and readiness, shared by the main port's routes and HEALTH_CHECK_PORT. */
@Injectable()
export class HealthProbes {
  constructor(
    private readonly health: HealthCheckService,
    private readonly kafka: KafkaProducerIndicator,
  ) {}

  live() {
    return this.health.check([]);
  }

  /** Rejects (503 with terminus' report) while the Kafka producer is not connected. */
  ready() {
    return this.health.check([() => this.kafka.check()]);
  }
}
