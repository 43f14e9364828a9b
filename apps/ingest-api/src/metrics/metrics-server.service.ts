import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Server } from 'node:http';
import { CONFIG, Config } from '@app/config';
import { closeServer, startMetricsServer } from '@app/observability';
import { IngestMetrics } from './ingest.metrics';

/** Serves /metrics on METRICS_PORT (0 = off), apart from ingest traffic. */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private server?: Server;

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    private readonly metrics: IngestMetrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.app.metricsPort === 0) return;
    const { registry } = this.metrics;
    this.server = await startMetricsServer(this.config.app.metricsPort, async () => ({
      contentType: registry.contentType,
      body: await registry.metrics(),
    }));
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await closeServer(server);
  }
}
