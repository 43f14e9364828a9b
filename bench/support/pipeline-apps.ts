import { join } from 'node:path';
import { BENCH_API_KEY } from './bench-context';
import type { LoadRequest } from './closed-loop';
import { BENCH_DIST, Running, getFreePort, launch, launchApp, waitReady } from './processes';
import { SkipError } from './scenario';

export interface App {
  proc: Running;
  origin: string;
  env: Record<string, string>;
}

/** The app's Prometheus endpoint (METRICS_PORT). */
export const metricsUrl = (app: App) => `http://127.0.0.1:${app.env.METRICS_PORT}/metrics`;

export const AUTH_HEADERS = { authorization: `Bearer ${BENCH_API_KEY}` };
export const JSON_HEADERS = { ...AUTH_HEADERS, 'content-type': 'application/json' };

/** The built ingest API on free ports, ready (Kafka producer connected) before it returns. */
export async function startIngestApi(env: Record<string, string>, onSpawn?: (proc: Running) => void): Promise<App> {
  const proc = launchApp('ingest-api', env);
  onSpawn?.(proc);
  const origin = `http://127.0.0.1:${env.PORT}`;
  await waitReady(proc, `${origin}/ready`);
  return { proc, origin, env };
}

/** The built worker (its primary forks WORKERS consumers), ready once its probe answers 200. */
export async function startWorker(env: Record<string, string>, onSpawn?: (proc: Running) => void): Promise<App> {
  const proc = launchApp('worker', env);
  onSpawn?.(proc);
  await waitReady(proc, `http://127.0.0.1:${env.HEALTH_CHECK_PORT}/ready`, 90_000);
  return { proc, origin: '', env };
}

/** The bench's bare Fastify server (dist/bench/peers/bare-fastify.js). */
export async function startBareFastify(): Promise<App> {
  const port = await getFreePort();
  const proc = launch('bare-fastify', process.execPath, [join(BENCH_DIST, 'peers/bare-fastify.js'), String(port)], {
    PATH: process.env.PATH ?? '',
  });
  const origin = `http://127.0.0.1:${port}`;
  await waitReady(proc, `${origin}/ready`, 20_000);
  return { proc, origin, env: {} };
}

/** Sends one request; a route that is not there yet (404) skips the scenario instead of failing it. */
export async function expectRoute(origin: string, r: LoadRequest, accepted: number[]): Promise<void> {
  const res = await fetch(origin + r.path, {
    method: r.method,
    headers: r.headers,
    body: r.body.replaceAll('[<id>]', `probe-${Date.now()}`),
  });
  const text = await res.text();
  if (res.status === 404)
    throw new SkipError(`${r.method} ${r.path} answered 404: route not implemented in this build`);
  if (!accepted.includes(res.status))
    throw new Error(
      `${r.method} ${r.path} answered ${res.status} (expected ${accepted.join('|')}): ${text.slice(0, 300)}`,
    );
}
