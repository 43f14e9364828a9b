import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { closeServer } from './metrics';
import { startProbeServer } from './probe.server';

describe('startProbeServer', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = await startProbeServer(
      0,
      {
        '/health': () => ({ ok: true, body: { status: 'ok' } }),
        '/ready': async () => ({ ok: false, body: { status: 'not ready' } }),
        '/custom': async () => ({ ok: false, status: 429, body: { status: 'busy' } }),
        '/broken': () => {
          throw new Error('probe failed');
        },
      },
      '127.0.0.1',
    );
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => closeServer(server));

  const get = async (path: string, method = 'GET') => {
    const res = await fetch(base + path, { method });
    return [res.status, await res.json()];
  };

  it('answers 200 for a healthy probe and 503 for an unhealthy one, with their JSON bodies', async () => {
    expect(await get('/health?verbose=1')).toEqual([200, { status: 'ok' }]);
    expect(await get('/ready')).toEqual([503, { status: 'not ready' }]);
  });

  it('uses the status a probe names, and 503 when a probe throws', async () => {
    expect(await get('/custom')).toEqual([429, { status: 'busy' }]);
    expect(await get('/broken')).toEqual([503, { status: 'error' }]);
  });

  it('answers 404 to unknown paths and to methods other than GET', async () => {
    expect(await get('/metrics')).toEqual([404, { message: 'not found' }]);
    expect(await get('/health', 'POST')).toEqual([404, { message: 'not found' }]);
    expect(await get('/toString')).toEqual([404, { message: 'not found' }]);
  });
});
