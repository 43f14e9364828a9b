import { Agent, request } from 'node:http';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { LoadRequest } from './closed-loop';
import { Distribution, distribution, round } from './stats';

export interface OpenLoopOptions {
  /** http://host:port */
  origin: string;
  ratePerSec: number;
  durationSec: number;
  /** Upper bound on sockets; requests beyond it wait in the agent's queue (and that wait counts). */
  maxSockets?: number;
  requestFor(index: number): LoadRequest;
  /** Called with the wall-clock time (Date.now()) at which a request's answer arrived. */
  onAnswer?(index: number, status: number, answeredAt: number): void;
}

export interface OpenLoopFigures {
  targetRate: number;
  sent: number;
  durationSec: number;
  achievedRate: number;
  ok: number;
  non2xx: number;
  errors: number;
  statuses: Record<string, number>;
  /** From the request's scheduled send time to its answer: queueing behind a slow server counts. */
  latencyMs: Distribution;
  /** From the moment the request was handed to the HTTP client (closer to what a closed-loop tool reports). */
  serviceLatencyMs: Distribution;
  /**
   * The generator's own event-loop delay: if this is small, late answers were late on the
   * server's side (or the machine's), not because the generator sent or read them late.
   */
  generatorLoopDelayMs: { p99: number; max: number };
}

/**
 * Open loop (wrk2-style): request i is due at start + i/rate whatever happened to earlier
 * ones, so a stalled server meets a growing queue instead of a politely waiting client, and
 * latency is measured from the due time (no coordinated omission). autocannon's
 * overallRate is not this: it caps each connection per second and waits for answers.
 */
export async function openLoop(opts: OpenLoopOptions): Promise<OpenLoopFigures> {
  const agent = new Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? 256 });
  const url = new URL(opts.origin);
  const total = Math.round(opts.ratePerSec * opts.durationSec);
  const interval = 1000 / opts.ratePerSec;
  const latencies: number[] = [];
  const service: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  const inFlight = new Set<Promise<void>>();

  const fire = (i: number, dueAt: number) => {
    const r = opts.requestFor(i);
    const p = send(agent, url, r).then((res) => {
      if (res.status === 0) errors++;
      else statuses[`${Math.floor(res.status / 100)}xx`] = (statuses[`${Math.floor(res.status / 100)}xx`] ?? 0) + 1;
      latencies.push(res.doneAt - dueAt);
      service.push(res.doneAt - res.sentAt);
      opts.onAnswer?.(i, res.status, res.wallDoneAt);
    });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const start = performance.now();
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      for (; next < total && start + next * interval <= now; next++) fire(next, start + next * interval);
      if (next >= total) resolve();
      else setTimeout(tick, Math.max(0, Math.min(2, start + next * interval - performance.now())));
    };
    tick();
  });
  const sendingSec = (performance.now() - start) / 1000;
  while (inFlight.size > 0) await Promise.all([...inFlight]);
  loopDelay.disable();
  agent.destroy();
  const ok = statuses['2xx'] ?? 0;
  return {
    targetRate: opts.ratePerSec,
    sent: total,
    durationSec: round(sendingSec, 2),
    achievedRate: round(total / sendingSec, 0),
    ok,
    non2xx: total - ok - errors,
    errors,
    statuses,
    latencyMs: distribution(latencies),
    serviceLatencyMs: distribution(service),
    generatorLoopDelayMs: { p99: round(loopDelay.percentile(99) / 1e6, 1), max: round(loopDelay.max / 1e6, 1) },
  };
}

interface Answer {
  status: number;
  sentAt: number;
  doneAt: number;
  wallDoneAt: number;
}

function send(agent: Agent, url: URL, r: LoadRequest): Promise<Answer> {
  const body = Buffer.from(r.body);
  return new Promise((resolve) => {
    const sentAt = performance.now();
    const done = (status: number) => resolve({ status, sentAt, doneAt: performance.now(), wallDoneAt: Date.now() });
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: r.method,
        path: r.path,
        timeout: 30_000,
        headers: { ...r.headers, 'content-length': String(body.length) },
      },
      (res) => {
        res.resume();
        res.once('end', () => done(res.statusCode ?? 0));
        res.once('error', () => done(0));
      },
    );
    req.once('error', () => done(0));
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}
