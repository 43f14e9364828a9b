import autocannon from 'autocannon';
import { round } from './stats';

export interface LoadRequest {
  method: 'POST' | 'PUT';
  path: string;
  body: string;
  headers: Record<string, string>;
}

export interface ClosedLoopOptions {
  url: string;
  /** Cycled by every connection; a body containing `[<id>]` gets a unique id per request. */
  requests: LoadRequest[];
  connections: number;
  durationSec?: number;
  /** Stop after this many requests instead of after a duration. */
  amount?: number;
  uniqueIds?: boolean;
}

export interface LoadFigures {
  requests: number;
  durationSec: number;
  reqPerSec: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Status codes seen, e.g. { "2xx": 1000, "5xx": 3 }. */
  statuses: Record<string, number>;
}

/**
 * Closed loop: `connections` keep one request each in flight, as fast as the server answers.
 * Used for both sides of every ceiling comparison, so the generator's own cost is the same.
 */
export async function closedLoop(opts: ClosedLoopOptions): Promise<LoadFigures> {
  const started = Date.now();
  const result = await autocannon({
    url: opts.url,
    connections: opts.amount ? Math.min(opts.connections, opts.amount) : opts.connections,
    pipelining: 1,
    duration: opts.durationSec ?? 10,
    amount: opts.amount,
    timeout: 30,
    idReplacement: opts.uniqueIds ?? false,
    requests: opts.requests.map((r) => ({ method: r.method, path: r.path, body: r.body, headers: r.headers })),
  });
  const elapsed = opts.amount ? (Date.now() - started) / 1000 : result.duration;
  const statuses: Record<string, number> = {
    '1xx': result['1xx'],
    '2xx': result['2xx'],
    '3xx': result['3xx'],
    '4xx': result['4xx'],
    '5xx': result['5xx'],
  };
  const total = Object.values(statuses).reduce((a, b) => a + b, 0);
  return {
    requests: total,
    durationSec: round(elapsed, 2),
    reqPerSec: round(result['2xx'] / elapsed, 0),
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: round(result.latency.average, 2),
    },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statuses,
  };
}
