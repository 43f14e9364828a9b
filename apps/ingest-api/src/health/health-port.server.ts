import { HttpException, Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Server } from 'node:http';
import { CONFIG, Config } from '@app/config';
import { closeServer, ProbeAnswer, startProbeServer } from '@app/observability';
import { HealthProbes } from './health-probes.service';

/** Terminus' result as a probe answer: its report when healthy, the exception's status and body when not. */
async function answerOf(check: Promise<unknown>): Promise<ProbeAnswer> {
  try {
    return { ok: true, body: await check };
  } catch (err) {
    if (err instanceof HttpException) return { ok: false, status: err.getStatus(), body: err.getResponse() };
    return { ok: false, body: { status: 'error' } };
  }
}

/**
 * The same terminus probes on HEALTH_CHECK_PORT (0 = off), so an orchestrator can probe
 * without going through the ingest port's limits and load.
 */
@Injectable()
export class HealthPortServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private server?: Server;

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    private readonly health: HealthProbes,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.app.healthCheckPort;
    if (port === 0 || port === this.config.app.port) return;
    const live = () => answerOf(this.health.live());
    // `/healthz` is the probe path of Grafana's own usage-stats receiver.
    this.server = await startProbeServer(port, {
      '/health': live,
      '/healthz': live,
      '/ready': () => answerOf(this.health.ready()),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await closeServer(server);
  }
}
