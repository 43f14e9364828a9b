import { createServer, Server } from 'node:http';

/** A probe's answer: 200 when ok, else 503, unless it names its own status. */
export interface ProbeAnswer {
  ok: boolean;
  body: unknown;
  status?: number;
}

export type Probe = () => ProbeAnswer | Promise<ProbeAnswer>;

const json = { 'content-type': 'application/json' };

/**
 * The probe port (HEALTH_CHECK_PORT) of the API and of the worker pool: GET on a probe's path
 * answers its JSON body; any other request is 404; a probe that throws is 503. Kept apart
 * from the service's own port so an orchestrator probes past its limits and load.
 */
export function startProbeServer(port: number, probes: Record<string, Probe>, host = '0.0.0.0'): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const probe = req.method === 'GET' && Object.hasOwn(probes, path) ? probes[path] : undefined;
    if (!probe) {
      res.writeHead(404, json).end('{"message":"not found"}');
      return;
    }
    Promise.resolve()
      .then(probe)
      .then(
        ({ ok, body, status }) => res.writeHead(status ?? (ok ? 200 : 503), json).end(JSON.stringify(body)),
        () => res.writeHead(503, json).end('{"status":"error"}'),
      );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
