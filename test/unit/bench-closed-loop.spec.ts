import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { closedLoop } from '../../bench/support/closed-loop';

/** Answers every request at once with 202 and remembers each body and when the last answer went out. */
function server() {
  const bodies: string[] = [];
  let lastAnswerAt = 0;
  const http: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      bodies.push(body);
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end('{"message":"ok"}');
      lastAnswerAt = Date.now();
    });
  });
  return { http, bodies, lastAnswerAt: () => lastAnswerAt };
}

describe("the bench's closed loop with a fixed number of requests", () => {
  const s = server();
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => s.http.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(s.http.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => s.http.close(() => resolve())));

  it('returns right after the last answer, not at autocannon’s next whole-second tick', async () => {
    const load = await closedLoop({
      url,
      requests: [
        { method: 'POST', path: '/r', body: '{"id":"[<id>]"}', headers: { 'content-type': 'application/json' } },
      ],
      connections: 4,
      amount: 40,
      uniqueIds: true,
    });
    const returnedAt = Date.now();
    expect(load.statuses['2xx']).toBe(40);
    expect(load.requests).toBe(40);
    // With autocannon's default sample interval this was 1,000 ms or more for a burst of a few ms.
    expect(returnedAt - s.lastAnswerAt()).toBeLessThan(250);
    expect(load.durationSec).toBeLessThan(0.9);
    expect(load.reqPerSec).toBeGreaterThan(40 / 0.9);
    // Every request carried its own id.
    expect(new Set(s.bodies).size).toBe(40);
  });
});
