import { HttpException, Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { createServer, Server } from 'node:http';
import { CONFIG, Config } from '@app/config';
import { closeServer } from '@app/observability';
import { HealthProbes } from './health-probes.service';

/** `/healthz` is the probe path of Grafana's own usage-stats receiver. */
const LIVE_PATHS = new Set(['/health', '/healthz']);

/**
 * The same terminus probes on HEALTH_CHECK_PORT (0 = off), so an orchestrator can probe
 * without going through the ingest port's limits and load.
 */
@Injectable()
export class HealthPortServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private server?: Server;

  constructor(@Inject(CONFIG) private readonly config: Config, private readonly health: HealthProbes) {}

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.app.healthCheckPort;
    if (port === 0 || port === this.config.app.port) return;
    const server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      const get = req.method === 'GET';
      const probe = get && LIVE_PATHS.has(path) ? this.health.live() : get && path === '/ready' ? this.health.ready() : undefined;
      if (!probe) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"not found"}');
        return;
      }
      probe.then(
        (result) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result)),
        (err: unknown) => {
          const status = err instanceof HttpException ? err.getStatus() : 503;
          const body = err instanceof HttpException ? err.getResponse() : { status: 'error' };
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '0.0.0.0', () => resolve());
    });
    this.server = server;
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await closeServer(server);
  }
}
