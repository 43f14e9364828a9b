import { isIP } from 'node:net';
import { parse } from 'yaml';
import { parseDuration } from './duration';

/** Where a target's service-account token comes from; the value itself is never logged. */
export type TokenSource =
  { kind: 'inline'; value: string } | { kind: 'file'; path: string } | { kind: 'env'; name: string };

export interface CollectTarget {
  name: string;
  /** Grafana's root URL (with its sub-path, if served under one), without a trailing slash. */
  url: string;
  token: TokenSource;
  /**
   * Grafana OSS cannot give a service account the server-wide permission the route needs: with a
   * username, the secret is that (Grafana Admin) user's password, sent as Basic auth.
   */
  username?: string;
  /** The address this instance's pushed reports come from; part of the event id (docs/operations.md). */
  address?: string;
  timeoutMs: number;
}

export interface TargetsFile {
  targets: CollectTarget[];
  concurrency: number;
}

export interface TargetDefaults {
  timeoutMs: number;
  concurrency: number;
}

export type TargetsParse = { ok: true; file: TargetsFile } | { ok: false; errors: string[] };

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MIN_TIMEOUT_MS = 100;
const MAX_TIMEOUT_MS = 300_000;
const MAX_CONCURRENCY = 64;
const TARGET_KEYS = new Set(['name', 'url', 'token', 'tokenFile', 'tokenEnv', 'username', 'address', 'timeout']);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The targets file (YAML): `targets:` a list of Grafana instances, each with a name, its URL
 * and exactly one of `token`, `tokenFile`, `tokenEnv`; optional `timeout`, `address`; optional
 * top-level `concurrency` and `timeout`. Every problem is reported at once, by position and
 * name, and never quotes a token.
 */
export function parseTargetsFile(text: string, defaults: TargetDefaults): TargetsParse {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    return { ok: false, errors: [`not YAML: ${(err as Error).message.split('\n')[0]}`] };
  }
  if (!isRecord(doc) || !Array.isArray(doc.targets)) {
    return { ok: false, errors: ['expected a mapping with a "targets" list'] };
  }
  const errors: string[] = [];
  const timeoutMs = doc.timeout === undefined ? defaults.timeoutMs : timeoutOf(doc.timeout, 'timeout', errors);
  const concurrency = doc.concurrency === undefined ? defaults.concurrency : concurrencyOf(doc.concurrency, errors);
  if (doc.targets.length === 0) errors.push('"targets" is empty');
  const targets = doc.targets.map((t, i) => targetOf(t, i, timeoutMs, errors));
  const seen = new Set<string>();
  for (const t of targets) {
    if (t && seen.has(t.name)) errors.push(`targets: name "${t.name}" is used twice`);
    if (t) seen.add(t.name);
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, file: { targets: targets as CollectTarget[], concurrency } };
}

function targetOf(raw: unknown, index: number, defaultTimeoutMs: number, errors: string[]): CollectTarget | undefined {
  const at = `targets[${index}]`;
  if (!isRecord(raw)) {
    errors.push(`${at}: expected a mapping with name, url and a token`);
    return undefined;
  }
  const where = typeof raw.name === 'string' ? `${at} (${raw.name})` : at;
  const before = errors.length;
  for (const key of Object.keys(raw)) if (!TARGET_KEYS.has(key)) errors.push(`${where}: unknown key "${key}"`);
  if (typeof raw.name !== 'string' || !NAME.test(raw.name)) {
    errors.push(`${where}: name must be 1-64 letters, digits, "_", "." or "-"`);
  }
  const url = urlOf(raw.url, where, errors);
  const token = tokenOf(raw, where, errors);
  const username = raw.username === undefined ? undefined : usernameOf(raw.username, where, errors);
  const address = raw.address === undefined ? undefined : addressOf(raw.address, where, errors);
  const timeoutMs = raw.timeout === undefined ? defaultTimeoutMs : timeoutOf(raw.timeout, `${where}: timeout`, errors);
  if (errors.length > before) return undefined;
  return { name: raw.name as string, url: url!, token: token!, ...(username ? { username } : {}), address, timeoutMs };
}

function urlOf(raw: unknown, where: string, errors: string[]): string | undefined {
  let url: URL;
  try {
    url = new URL(String(raw ?? ''));
  } catch {
    errors.push(`${where}: url must be an http(s) URL such as https://grafana.example.com`);
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') errors.push(`${where}: url must use http or https`);
  else if (url.username || url.password) errors.push(`${where}: url must not carry credentials; use a token key`);
  else if (url.search || url.hash) errors.push(`${where}: url must not have a query or fragment`);
  else return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  return undefined;
}

function tokenOf(raw: Record<string, unknown>, where: string, errors: string[]): TokenSource | undefined {
  const given = (['token', 'tokenFile', 'tokenEnv'] as const).filter((k) => raw[k] !== undefined);
  if (given.length !== 1) {
    const found = given.length ? ` (found ${given.join(', ')})` : '';
    errors.push(`${where}: give exactly one of token, tokenFile, tokenEnv${found}`);
    return undefined;
  }
  const value = raw[given[0]];
  if (typeof value !== 'string' || value.trim() === '') {
    errors.push(`${where}: ${given[0]} must be a non-empty string`);
    return undefined;
  }
  if (given[0] === 'token') return { kind: 'inline', value: value.trim() };
  if (given[0] === 'tokenFile') return { kind: 'file', path: value };
  if (!ENV_NAME.test(value)) {
    errors.push(`${where}: tokenEnv must be an environment variable name`);
    return undefined;
  }
  return { kind: 'env', name: value };
}

function usernameOf(raw: unknown, where: string, errors: string[]): string | undefined {
  // Basic auth cannot carry a ':' in the user name.
  if (typeof raw === 'string' && raw.length > 0 && raw.length <= 190 && !raw.includes(':')) return raw;
  errors.push(`${where}: username must be a non-empty name without ":"`);
  return undefined;
}

function addressOf(raw: unknown, where: string, errors: string[]): string | undefined {
  if (typeof raw === 'string' && isIP(raw) !== 0) return raw;
  errors.push(`${where}: address must be an IPv4 or IPv6 address`);
  return undefined;
}

function timeoutOf(raw: unknown, where: string, errors: string[]): number {
  const ms = typeof raw === 'string' ? parseDuration(raw) : undefined;
  if (ms === undefined || ms < MIN_TIMEOUT_MS || ms > MAX_TIMEOUT_MS) {
    errors.push(`${where} must be a duration from 100ms to 5m, such as 10s`);
    return 0;
  }
  return ms;
}

function concurrencyOf(raw: unknown, errors: string[]): number {
  if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 1 && raw <= MAX_CONCURRENCY) return raw;
  errors.push(`concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}`);
  return 1;
}
