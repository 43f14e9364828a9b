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

/** How often autocannon checks whether an `amount` run is done (its default, 1,000 ms, is its tick). */
const AMOUNT_SAMPLE_INTERVAL_MS = 10;

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
    // autocannon looks at its stop flag only once per sample interval (1 s by default): with
    // `amount`, it would hold the result until the next whole second after the last answer,
    // and a burst of 7.2 s would count as 8.04 s. Ten milliseconds keeps that under 1%. (An
    // explicit undefined would replace autocannon's default and fail its validation.)
    ...(opts.amount ? { sampleInt: AMOUNT_SAMPLE_INTERVAL_MS } : {}),
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
