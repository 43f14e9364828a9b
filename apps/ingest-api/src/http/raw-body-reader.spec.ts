import { createHook } from 'node:async_hooks';
import { Readable } from 'node:stream';
import Fastify, { FastifyInstance } from 'fastify';
import { readRawBodiesDirectly } from './raw-body-reader';

const LIMIT = 16;

async function server(): Promise<{ app: FastifyInstance; applied: boolean }> {
  const app = Fastify({ bodyLimit: LIMIT });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: LIMIT }, (_req, body, done) => done(null, body));
  const applied = readRawBodiesDirectly(app);
  app.post('/echo', async (req) => ({ bytes: (req.body as Buffer).toString('latin1') }));
  await app.ready();
  return { app, applied };
}

describe('readRawBodiesDirectly', () => {
  let app: FastifyInstance;
  let applied: boolean;
  beforeAll(async () => ({ app, applied } = await server()));
  afterAll(() => app.close());

  it('applies to Fastify 5 and delivers the body as sent, without an AsyncResource per request', async () => {
    expect(applied).toBe(true);
    const created: string[] = [];
    const hook = createHook({ init: (_id, type) => void created.push(type) }).enable();
    const res = await app.inject({
      method: 'POST',
      url: '/echo',
      payload: 'a\u00ffb',
      headers: { 'content-type': 'x/y' },
    });
    hook.disable();
    expect([res.statusCode, res.json()]).toEqual([200, { bytes: 'a\u00c3\u00bfb' }]);
    expect(created.filter((t) => t === 'content-type-parser:run')).toEqual([]);
  });

  it('answers 413 when the declared length passes the limit, and closes the connection', async () => {
    const res = await app.inject({ method: 'POST', url: '/echo', payload: 'x'.repeat(LIMIT + 1) });
    expect([res.statusCode, res.json().code, res.headers.connection]).toEqual([
      413,
      'FST_ERR_CTP_BODY_TOO_LARGE',
      'close',
    ]);
  });

  it('answers 413 when a body without a length streams past the limit', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'x/y', 'transfer-encoding': 'chunked' },
      payload: Readable.from([Buffer.from('x'.repeat(10)), Buffer.from('y'.repeat(10))]),
    });
    expect([res.statusCode, res.json().code]).toEqual([413, 'FST_ERR_CTP_BODY_TOO_LARGE']);
  });

  it('answers 400 when the body is shorter than its declared length', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'x/y', 'content-length': '10' },
      payload: Readable.from([Buffer.from('abc')]),
    });
    expect([res.statusCode, res.json().code]).toEqual([400, 'FST_ERR_CTP_INVALID_CONTENT_LENGTH']);
  });
});
