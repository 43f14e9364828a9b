import { request as httpRequest, IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { FetchResult } from './outcome';

/** Grafana's own route for the report it would send (pkg/infra/usagestats/service/api.go). */
export const REPORT_PREVIEW_PATH = '/api/admin/usage-report-preview';

export interface FetchOptions {
  /** The Authorization header value (see authorizationFor). */
  authorization: string;
  timeoutMs: number;
  maxBytes: number;
  userAgent: string;
}

/** `Bearer <token>` for a service account, `Basic` for a user name and password. */
export function authorizationFor(secret: string, username?: string): string {
  if (username === undefined) return `Bearer ${secret}`;
  return `Basic ${Buffer.from(`${username}:${secret}`).toString('base64')}`;
}

/**
 * GET <url>/api/admin/usage-report-preview with the service-account token. One deadline covers
 * connecting, the headers and the whole body; the body is capped at `maxBytes`. Redirects are
 * not followed (the token must not travel to another host). Every failure is a value.
 */
export function fetchReport(baseUrl: string, options: FetchOptions): Promise<FetchResult> {
  const url = new URL(`${baseUrl}${REPORT_PREVIEW_PATH}`);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<FetchResult>((resolve) => {
    let settled = false;
    const done = (result: FetchResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done({ kind: 'timeout', timeoutMs: options.timeoutMs }), options.timeoutMs);
    const req = request(url, {
      method: 'GET',
      headers: {
        authorization: options.authorization,
        accept: 'application/json',
        'user-agent': options.userAgent,
      },
    });
    req.on('response', (res) => readBody(res, options.maxBytes, done));
    req.on('error', (err: NodeJS.ErrnoException) => done({ kind: 'network', code: err.code ?? err.name }));
    req.end();
  });
}

function readBody(res: IncomingMessage, maxBytes: number, done: (r: FetchResult) => void): void {
  const status = res.statusCode ?? 0;
  // Read before the body ends: the socket is released (and its address gone) afterwards.
  const remoteAddress = res.socket?.remoteAddress;
  const chunks: Buffer[] = [];
  let bytes = 0;
  res.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > maxBytes) return done({ kind: 'too_large', status, limitBytes: maxBytes });
    chunks.push(chunk);
  });
  res.on('end', () =>
    done({
      kind: 'response',
      status,
      contentType: res.headers['content-type'],
      body: Buffer.concat(chunks).toString('utf8'),
      remoteAddress,
    }),
  );
  res.on('error', (err: NodeJS.ErrnoException) => done({ kind: 'network', code: err.code ?? err.name }));
}
