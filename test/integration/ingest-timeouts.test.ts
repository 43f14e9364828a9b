import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_API_KEY } from '../support/apps';
import { IngestUnderTest, deleteTopics, startIngestApi } from '../support/ingest-harness';

// Slow clients are cut off: a body or headers trickled past their bound get 408 and the
// connection is closed, while other clients are served meanwhile.
const BROKERS = 'localhost:9092';
const report = readFileSync(join(__dirname, '../fixtures/samples/grafana-usage-report.json'), 'utf8');

let api: IngestUnderTest;
beforeAll(async () => {
  api = await startIngestApi({ HTTP_REQUEST_TIMEOUT_MS: '2000', HTTP_HEADERS_TIMEOUT_MS: '1000' });
});
afterAll(async () => {
  await api?.close();
  await deleteTopics(BROKERS, [api.topic, `${api.topic}-dlq`]);
});

interface Trickled {
  response: string;
  closedAfterMs: number;
}

/** Sends `head` at once, then one byte of `rest` every 100 ms; resolves when the server closes the socket. */
function trickle(head: string, rest: string): Promise<Trickled> {
  const { port } = new URL(api.url);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let response = '';
    let i = 0;
    const timer = setInterval(() => {
      if (i < rest.length && !socket.destroyed) socket.write(rest[i++]);
    }, 100);
    socket.on('connect', () => socket.write(head));
    socket.on('data', (c: Buffer) => {
      response += c.toString();
    });
    socket.on('error', () => undefined); // the server may reset after answering
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ response, closedAfterMs: Date.now() - started });
    });
    setTimeout(
      () => reject(new Error(`socket still open after 20 s; got ${JSON.stringify(response)}`)),
      20_000,
    ).unref();
  });
}

const headers = (length: number) =>
  `POST /grafana-usage-report HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TEST_API_KEY}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

it('answers 408 to a body trickled past HTTP_REQUEST_TIMEOUT_MS and closes the connection, serving others meanwhile', async () => {
  const slow = Array.from({ length: 5 }, () => trickle(headers(report.length), report));
  const others = await Promise.all(
    Array.from({ length: 5 }, () =>
      fetch(`${api.url}/grafana-usage-report`, {
        method: 'POST',
        body: report,
        headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      }),
    ),
  );
  expect(others.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
  for (const r of await Promise.all(slow)) {
    expect(r.response).toMatch(/^HTTP\/1\.1 408 /);
    expect(r.closedAfterMs).toBeGreaterThanOrEqual(1900);
    expect(r.closedAfterMs).toBeLessThan(5000);
  }
});

it('answers 408 to headers trickled past HTTP_HEADERS_TIMEOUT_MS', async () => {
  const full = headers(2);
  const r = await trickle(full.slice(0, 20), full.slice(20));
  expect(r.response).toMatch(/^HTTP\/1\.1 408 /);
  expect(r.closedAfterMs).toBeLessThan(4000);
});

it('still serves a normal request afterwards', async () => {
  const res = await fetch(`${api.url}/health`);
  expect(res.status).toBe(200);
});
