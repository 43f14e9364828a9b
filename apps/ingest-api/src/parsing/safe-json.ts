import { BodyError } from './body-error';
import { MAYBE_UNSTORABLE_JSON, findUnstorable } from './storable';

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

/**
 * JSON.parse with the checks a public endpoint needs: bounded nesting (later recursive
 * code must never overflow the stack) and size in keys and values (413), no `__proto__`/`constructor` keys (prototype
 * poisoning of whatever merges the object later) and, unless the caller checks items
 * itself (`storable: false`), nothing a store cannot hold (see storable.ts). Every failure is a BodyError(400).
 */
export function parseJson(text: string, maxDepth: number, options: { storable?: boolean } = {}): unknown {
  const costly = scanJson(text, maxDepth);
  if (costly === 'depth') throw new BodyError(400, `JSON nested deeper than ${maxDepth} levels`);
  if (costly === 'tokens') throw new BodyError(413, `JSON holds more than ${MAX_JSON_TOKENS} keys and values`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new BodyError(400, `invalid JSON: ${(err as Error).message.slice(0, 200)}`);
  }
  if (MAYBE_FORBIDDEN.test(text)) {
    const key = findForbiddenKey(value);
    if (key) throw new BodyError(400, `forbidden key "${key}" in JSON`);
  }
  if (options.storable !== false && MAYBE_UNSTORABLE_JSON.test(text)) {
    const why = findUnstorable(value);
    if (why) throw new BodyError(400, why);
  }
  return value;
}
