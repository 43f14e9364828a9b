/**
 * A remote-write peer that fails on demand: in front of a real Prometheus, it forwards writes
 * while healthy and answers 500, 429, or 429 with Retry-After while a fault is on.
 */
import { createServer, Server } from 'node:http';
import { getFreePort } from '../support/apps';

export type PeerMode = 'pass' | '500' | '429' | '429-retry-after';

export interface FailingPeer {
  url: string;
  mode: PeerMode;
  /** Answers given per status. */
  answered: Record<string, number>;
  close(): Promise<void>;
}

export async function startFailingPeer(target: string): Promise<FailingPeer> {
  const port = await getFreePort();
  const peer: FailingPeer = {
    url: `http://127.0.0.1:${port}/api/v1/write`,
    mode: 'pass',
    answered: {},
    close: async () => undefined,
  };
  const answer = (status: number) => (peer.answered[status] = (peer.answered[status] ?? 0) + 1);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const mode = peer.mode;
      if (mode !== 'pass') {
        const status = mode === '500' ? 500 : 429;
        answer(status);
        res.writeHead(status, mode === '429-retry-after' ? { 'retry-after': '1' } : {}).end('injected fault\n');
        return;
      }
      const headers: Record<string, string> = {};
      for (const name of ['content-type', 'content-encoding', 'x-prometheus-remote-write-version']) {
        const v = req.headers[name];
        if (typeof v === 'string') headers[name] = v;
      }
      fetch(target, { method: 'POST', headers, body: Buffer.concat(chunks) }).then(
        async (r) => {
          answer(r.status);
          res.writeHead(r.status).end(Buffer.from(await r.arrayBuffer()));
        },
        () => {
          answer(502);
          res.writeHead(502).end();
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  peer.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return peer;
}
