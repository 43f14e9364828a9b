import ipaddr from 'ipaddr.js';

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

/** Replaces e-mail addresses and IP addresses found anywhere in a free-text string. */
export function scrubText(text: string): string {
  if (text.length < 3) return text;
  let out = AT_SIGN.test(text) ? text.replace(EMAIL, EMAIL_PLACEHOLDER) : text;
  if (out.includes('.')) out = out.replace(IPV4, IP_PLACEHOLDER);
  if (out.includes(':')) out = out.replace(IPV6_CANDIDATE, (m) => (m.includes('::') || m.split(':').length === 8) && ipaddr.IPv6.isValid(m) ? IP_PLACEHOLDER : m);
  return out;
}

/** Scrubs every string (keys included) inside a JSON-like value; returns a new value. */
export function scrubDeep(value: unknown): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (Array.isArray(value)) return value.map(scrubDeep);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[scrubText(k)] = scrubDeep(v);
    return out;
  }
  return value;
}
