import { createServer, Server } from 'node:http';
import { collectDefaultMetrics, Registry } from 'prom-client';

/** A registry with Node's default process metrics already registered. */
export function createMetricsRegistry(prefix = ''): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix });
  return registry;
}

/**
 * Serves GET /metrics on its own port, apart from ingest traffic. `render` lets the worker's
 * primary process serve metrics aggregated over its children.
 */
export function startMetricsServer(
  port: number,
  render: () => Promise<{ contentType: string; body: string }>,
  host = '0.0.0.0',
): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    render().then(
      ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
      (err: unknown) =>
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics unavailable: ${String(err)}\n`),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

/**
 * Closes a probe or metrics server: probes and scrapes are cheap to cut, so a lingering
 * keep-alive connection must not hold up shutdown.
 */
export async function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}
