import { createServer, Server } from 'node:http';

export interface Probe {
  (): { ok: boolean; body: unknown };
}

/** GET /health (liveness) and GET /ready (readiness), JSON bodies, 200 or 503. */
export function startProbeServer(port: number, probes: { health: Probe; ready: Probe }, host = '0.0.0.0'): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const probe = req.method === 'GET' ? (path === '/health' ? probes.health : path === '/ready' ? probes.ready : undefined) : undefined;
    if (!probe) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"not found"}');
      return;
    }
    const { ok, body } = probe();
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
