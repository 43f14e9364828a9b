import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

// Reading docker-compose.yml the way `docker compose` does, for the static checks of
// test/unit/compose.spec.ts (no Docker engine runs where the tests run).

export interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  profiles?: string[];
  restart?: string;
  environment?: Record<string, string | number>;
  ports?: string[];
  volumes?: string[];
  container_name?: string;
  healthcheck?: { test?: string[]; interval?: string; start_period?: string };
  stop_grace_period?: string;
  depends_on?: Record<string, { condition: string }>;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** The YAML document with anchors and `<<` merge keys resolved, before interpolation. */
export function readComposeYaml(path: string): ComposeFile {
  return parse(readFileSync(path, 'utf8'), { merge: true }) as ComposeFile;
}

/** KEY=VALUE lines of a .env file; comments and blank lines ignored. */
export function readDotEnv(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) out[m[1]] = m[2].trim();
  }
  return out;
}

export class InterpolationError extends Error {
  override readonly name = 'InterpolationError';
}

const PATTERN = /\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/**
 * Compose's interpolation of one value: $$, $VAR, ${VAR}, ${VAR:-default}, ${VAR-default},
 * ${VAR:?error}, ${VAR?error}, ${VAR:+replacement}, ${VAR+replacement}. With a colon, an
 * empty value counts as unset.
 */
export function interpolate(value: string, env: Record<string, string | undefined>): string {
  return value.replace(PATTERN, (match, braced?: string, op?: string, arg?: string, bare?: string) => {
    if (match === '$$') return '$';
    const name = (braced ?? bare)!;
    const raw = env[name];
    const unset = op?.startsWith(':') ? raw === undefined || raw === '' : raw === undefined;
    switch (op?.replace(':', '')) {
      case '-':
        return unset ? arg! : raw!;
      case '?':
        if (unset) throw new InterpolationError(`required variable ${name} is missing a value: ${arg}`);
        return raw!;
      case '+':
        return unset ? '' : arg!;
      default:
        return raw ?? '';
    }
  });
}

/** Every string in the document interpolated (keys are left alone, as compose does). */
export function interpolateAll<T>(doc: T, env: Record<string, string | undefined>): T {
  if (typeof doc === 'string') return interpolate(doc, env) as T;
  if (Array.isArray(doc)) return doc.map((d: unknown) => interpolateAll(d, env)) as T;
  if (doc && typeof doc === 'object') {
    return Object.fromEntries(Object.entries(doc).map(([k, v]) => [k, interpolateAll(v, env)])) as T;
  }
  return doc;
}

/** Names of the variables a document refers to. */
export function referencedVariables(text: string): string[] {
  return [...new Set([...text.matchAll(PATTERN)].map((m) => m[1] ?? m[4]).filter((n): n is string => !!n))];
}

/** Compose durations (`1m30s`, `20s`, `500ms`, `1h`) in milliseconds. */
export function durationMs(text: string): number {
  const units: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(us|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) throw new Error(`not a duration: ${text}`);
  return parts.reduce((sum, p) => sum + Number(p[1]) * units[p[2]], 0);
}

/** A short-syntax port, interpolated: `[host ip]:host:container[/protocol]`. */
export function parsePort(spec: string): { ip?: string; host: number; container: number } {
  const m = /^(?:(.+):)?(\d+):(\d+)(?:\/\w+)?$/.exec(spec);
  if (!m) throw new Error(`not a published port with a host port: ${spec}`);
  return { ip: m[1], host: Number(m[2]), container: Number(m[3]) };
}
