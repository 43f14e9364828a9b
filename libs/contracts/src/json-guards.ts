import { findUnstorable, MAYBE_UNSTORABLE_JSON } from './storable';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor']);
/** Cheap pre-test: the key walk only runs when a forbidden key, or an escape that could spell one, appears. */
const MAYBE_FORBIDDEN = /__proto__|constructor|\\u/;

/**
 * Keys and values one JSON body may hold (counted by their separators). JSON.parse is linear
 * but not free: a 10 MB body of 400,000 tiny values costs over a second of event loop, while
 * the largest legitimate body (a batch of 1,000 panel events) holds about 60,000.
 */
export const MAX_JSON_TOKENS = 200_000;

/**
 * What makes a JSON text too costly to parse, found without parsing (brackets, commas and
 * colons inside strings do not count): nesting deeper than `maxDepth` or more than
 * `maxTokens` keys and values. Returns as soon as a bound is passed: one linear scan.
 */
export function scanJson(text: string, maxDepth: number, maxTokens = MAX_JSON_TOKENS): 'depth' | 'tokens' | undefined {
  let depth = 0;
  let tokens = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) {
      inString = true;
    } else if (c === 123 || c === 91) {
      if (++depth > maxDepth) return 'depth';
    } else if (c === 125 || c === 93) {
      depth--;
    } else if (c === 44 || c === 58) {
      if (++tokens > maxTokens) return 'tokens';
    }
  }
  return undefined;
}

/** Nesting depth beyond `max` (see scanJson). */
export function exceedsDepth(text: string, max: number): boolean {
  return scanJson(text, max, Infinity) === 'depth';
}

/** The first forbidden key anywhere in a parsed value (iterative: depth is bounded already). */
export function findForbiddenKey(value: unknown): string | undefined {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      for (const item of v) stack.push(item);
      continue;
    }
    for (const key of Object.keys(v)) {
      if (FORBIDDEN_KEYS.has(key)) return key;
      stack.push((v as Record<string, unknown>)[key]);
    }
  }
  return undefined;
}

/** `too_large` failures are about cost (the API answers 413), `invalid` ones about content (400). */
export type GuardedJson = { ok: true; value: unknown } | { ok: false; failure: 'invalid' | 'too_large'; reason: string };

/**
 * JSON.parse with the checks a public input needs: bounded nesting (later recursive code must
 * never overflow the stack) and size in keys and values, no `__proto__`/`constructor` keys
 * (prototype poisoning of whatever merges the object later) and, unless the caller checks
 * items itself (`storable: false`), nothing a store cannot hold (see storable.ts). Failures
 * are values; the API turns them into 400s and 413s.
 */
export function parseGuardedJson(text: string, maxDepth: number, options: { storable?: boolean } = {}): GuardedJson {
  const costly = scanJson(text, maxDepth);
  if (costly === 'depth') return { ok: false, failure: 'invalid', reason: `JSON nested deeper than ${maxDepth} levels` };
  if (costly === 'tokens') return { ok: false, failure: 'too_large', reason: `JSON holds more than ${MAX_JSON_TOKENS} keys and values` };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, failure: 'invalid', reason: `invalid JSON: ${(err as Error).message.slice(0, 200)}` };
  }
  if (MAYBE_FORBIDDEN.test(text)) {
    const key = findForbiddenKey(value);
    if (key) return { ok: false, failure: 'invalid', reason: `forbidden key "${key}" in JSON` };
  }
  if (options.storable !== false && MAYBE_UNSTORABLE_JSON.test(text)) {
    const why = findUnstorable(value);
    if (why) return { ok: false, failure: 'invalid', reason: why };
  }
  return { ok: true, value };
}
