import { Controller, Get } from '@nestjs/common';
import { HealthCheck } from '@nestjs/terminus';
import { HealthProbes } from './health-probes.service';

/** Liveness, and readiness that follows the Kafka producer. No API key. */
@Controller()
export class HealthController {
  constructor(private readonly probes: HealthProbes) {}

  /** `/healthz` is the probe path of Grafana's own usage-stats receiver. */
  @Get(['health', 'healthz'])
  @HealthCheck()
  live() {
    return this.probes.live();
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.probes.ready();
  }
}
