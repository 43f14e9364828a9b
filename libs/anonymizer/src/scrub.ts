import ipaddr from 'ipaddr.js';
import { pseudonym } from './pseudonym';

export const EMAIL_PLACEHOLDER = '[email]';
export const IP_PLACEHOLDER = '[ip]';

// Deliberately broad: any local@domain, with or without a TLD (Grafana's own default admin
// is admin@localhost), in any script (jösé.müller@exämple.de, 用户@例子.广告: internationalised
// addresses, RFC 6531), with an ASCII or a fullwidth at sign. A false positive costs a word of a
// dashboard name; a miss leaks PII.
const EMAIL = /[\p{L}\p{M}\p{N}_.%+'-]+[@\uFF20][\p{L}\p{M}\p{N}_-]+(?:\.[\p{L}\p{M}\p{N}_-]+)*/gu;
const AT_SIGN = /[@\uFF20]/;
const IPV4 = /(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\w]|\.\d)/g;
// Candidates only; each is confirmed by a real parser so times like 10:30:00 survive.
const IPV6_CANDIDATE = /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])/g;
// Cheap necessary conditions, tested first: most text (a usage report's metric names) has none.
const IPV4_HINT = /\d\.\d/;
const hasTwoColons = (s: string) => s.indexOf(':') !== s.lastIndexOf(':');

/**
 * Object keys known to hold nothing to scrub. A usage report carries a hundred metric names
 * that repeat in every report; whether a text holds an address does not depend on the key.
 * Bounded: emptied when full, so hostile input can only cost it its hits.
 */
const CLEAN_KEYS = new Set<string>();
const CLEAN_KEYS_MAX = 10_000;

/**
 * The placeholder of one scrubbed value. With the anonymization key it carries a keyed
 * pseudonym of the value (`[ip:1f2e3d4c]`), so two distinct addresses stay distinct (two
 * series `{peer="10.0.0.1"}` and `{peer="10.0.0.2"}` must not collapse into one) while the
 * address itself cannot be recovered without the key. Values are normalized first, so one
 * address spelled two ways (`Bob@Example.com`, `bob@example.com`) gets one pseudonym.
 */
function placeholder(kind: 'email' | 'ip', value: string, key?: string): string {
  const bare = kind === 'email' ? EMAIL_PLACEHOLDER : IP_PLACEHOLDER;
  if (!key) return bare;
  return `${bare.slice(0, -1)}:${pseudonym(key, `${kind}:${normalized(kind, value)}`).slice(0, 8)}]`;
}

function normalized(kind: 'email' | 'ip', value: string): string {
  if (kind === 'email') return value.toLowerCase();
  return ipaddr.isValid(value) ? ipaddr.parse(value).toString() : value;
}

/**
 * Replaces e-mail addresses and IP addresses found anywhere in a free-text string, by keyed
 * placeholders when `key` is given (see placeholder()), else by `[email]` and `[ip]`.
 */
export function scrubText(text: string, key?: string): string {
  if (text.length < 3) return text;
  let out = AT_SIGN.test(text) ? text.replace(EMAIL, (m) => placeholder('email', m, key)) : text;
  if (IPV4_HINT.test(out)) out = out.replace(IPV4, (m) => placeholder('ip', m, key));
  if (hasTwoColons(out)) {
    const isIpv6 = (m: string) => (m.includes('::') || m.split(':').length === 8) && ipaddr.IPv6.isValid(m);
    out = out.replace(IPV6_CANDIDATE, (m) => (isIpv6(m) ? placeholder('ip', m, key) : m));
  }
  return out;
}

/** Scrubs every string (keys included) inside a JSON-like value; returns a new value. */
export function scrubDeep(value: unknown, key?: string): unknown {
  if (typeof value === 'string') return scrubText(value, key);
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, key));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    const record = value as Record<string, unknown>;
    for (const k of Object.keys(record)) out[scrubKey(k, key)] = scrubDeep(record[k], key);
    return out;
  }
  return value;
}

/**
 * scrubDeep without the copy, for a tree the caller owns (one just parsed from a message):
 * strings are replaced where they sit and renamed keys are moved. Returns the scrubbed value
 * (a new string for a top-level string, else `value` itself). It holds what scrubDeep's copy
 * holds, with renamed keys moved last; when two keys scrub to one name, one value survives, as
 * in the copy. A `__proto__` member, which the copy cannot hold, is dropped: never left in place
 * where its text would escape the scrub.
 */
export function scrubInPlace(value: unknown, key?: string): unknown {
  if (typeof value === 'string') return scrubText(value, key);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (typeof v === 'string') value[i] = scrubText(v, key);
      else if (v !== null && typeof v === 'object') scrubInPlace(v, key);
    }
    return value;
  }
  const record = value as Record<string, unknown>;
  for (const k of Object.keys(record)) {
    const v = record[k];
    const scrubbed =
      typeof v === 'string' ? scrubText(v, key) : v !== null && typeof v === 'object' ? scrubInPlace(v, key) : v;
    const name = scrubKey(k, key);
    if (name === k && k !== '__proto__') {
      if (scrubbed !== v) record[k] = scrubbed;
      continue;
    }
    delete record[k];
    // Like the copy's plain assignment: a later key of the same name wins, `__proto__` is no data.
    if (name !== '__proto__') record[name] = scrubbed;
  }
  return record;
}

function scrubKey(k: string, key?: string): string {
  if (CLEAN_KEYS.has(k)) return k;
  const out = scrubText(k, key);
  if (out !== k) return out;
  if (CLEAN_KEYS.size >= CLEAN_KEYS_MAX) CLEAN_KEYS.clear();
  CLEAN_KEYS.add(k);
  return k;
}
