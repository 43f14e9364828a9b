import { scanJsonText } from './json-scan';
import { findUnstorable } from './storable';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor']);

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
  return scanJsonText(text, maxDepth, maxTokens).cost;
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
export type GuardedJson =
  { ok: true; value: unknown } | { ok: false; failure: 'invalid' | 'too_large'; reason: string };

/**
 * Texts shorter than this are parsed before they are judged: they cannot hold MAX_JSON_TOKENS
 * separators, V8's JSON.parse does not recurse, and a walk of the few nodes such a text holds
 * costs a fraction of a scan of its every character. Longer ones are scanned first, so a
 * costly body is refused before it is parsed.
 */
export const PARSE_FIRST_CHARS = 64 * 1024;

/** An escape that can spell a NUL or a lone surrogate (see storable.ts), the only ways a parsed JSON text holds one. */
const MAYBE_UNSTORABLE_ESCAPE = /\\u(?:0000|[dD][89a-fA-F])/;

const depthFailure = (maxDepth: number): GuardedJson => ({
  ok: false,
  failure: 'invalid',
  reason: `JSON nested deeper than ${maxDepth} levels`,
});

/**
 * JSON.parse with the checks a public input needs: bounded nesting (later recursive code must
 * never overflow the stack) and size in keys and values, no `__proto__`/`constructor` keys
 * (prototype poisoning of whatever merges the object later) and, unless the caller checks
 * items itself (`storable: false`), nothing a store cannot hold (see storable.ts). Failures
 * are values; the API turns them into 400s and 413s. Whichever path a text takes, the same
 * text gets the same answer: depth first, then syntax, then keys, then storability.
 */
export function parseGuardedJson(text: string, maxDepth: number, options: { storable?: boolean } = {}): GuardedJson {
  return guardJson(text, maxDepth, options.storable !== false).result;
}

/**
 * parseGuardedJson without the storability check, for a caller that judges the items of a
 * value one by one: `maybeUnstorable` is false when no item can hold an unstorable value, so
 * the caller's walk (findUnstorable) can be skipped.
 */
export function parseGuardedJsonItems(text: string, maxDepth: number): Guarded {
  return guardJson(text, maxDepth, false);
}

/** A guarded parse, and whether the parsed value's items may hold a value no store can hold. */
export interface Guarded {
  result: GuardedJson;
  maybeUnstorable: boolean;
}

function guardJson(text: string, maxDepth: number, storable: boolean): Guarded {
  if (text.length < PARSE_FIRST_CHARS) return parseThenJudge(text, maxDepth, storable);
  return scanThenParse(text, maxDepth, storable);
}

function scanThenParse(text: string, maxDepth: number, storable: boolean): Guarded {
  const scan = scanJsonText(text, maxDepth, MAX_JSON_TOKENS);
  if (scan.cost === 'depth') return failed(depthFailure(maxDepth));
  if (scan.cost === 'tokens') {
    return failed({
      ok: false,
      failure: 'too_large',
      reason: `JSON holds more than ${MAX_JSON_TOKENS} keys and values`,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return failed(invalidSyntax(err));
  }
  const maybeUnstorable = scan.maybeNonFinite || (scan.hasUnicodeEscape && MAYBE_UNSTORABLE_ESCAPE.test(text));
  return judged(value, scan.maybeForbiddenKey, storable && maybeUnstorable, maybeUnstorable);
}

function parseThenJudge(text: string, maxDepth: number, storable: boolean): Guarded {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    // Too deep outranks a syntax error (a bracket bomb is both): the scan tells them apart.
    return failed(scanJson(text, maxDepth) === 'depth' ? depthFailure(maxDepth) : invalidSyntax(err));
  }
  const walk = walkJson(value, maxDepth);
  if (walk.tooDeep) return failed(depthFailure(maxDepth));
  const maybeUnstorable = walk.nonFinite || MAYBE_UNSTORABLE_ESCAPE.test(text);
  return judged(value, walk.forbiddenKey, storable && maybeUnstorable, maybeUnstorable);
}

/** The exact checks, run only when a cheap test says they may find something: keys first, then storability. */
function judged(value: unknown, checkKeys: boolean, checkStorable: boolean, maybeUnstorable: boolean): Guarded {
  const key = checkKeys ? findForbiddenKey(value) : undefined;
  if (key) return failed({ ok: false, failure: 'invalid', reason: `forbidden key "${key}" in JSON` });
  const why = checkStorable ? findUnstorable(value) : undefined;
  if (why) return failed({ ok: false, failure: 'invalid', reason: why });
  return { result: { ok: true, value }, maybeUnstorable };
}

const failed = (result: GuardedJson): Guarded => ({ result, maybeUnstorable: false });

function invalidSyntax(err: unknown): GuardedJson {
  return { ok: false, failure: 'invalid', reason: `invalid JSON: ${(err as Error).message.slice(0, 200)}` };
}

interface JsonWalk {
  tooDeep: boolean;
  forbiddenKey: boolean;
  nonFinite: boolean;
}

/**
 * One pass over a parsed value: nesting past `maxDepth` (counted as scanJson counts brackets),
 * forbidden keys, numbers past float64.
 */
export function walkJson(value: unknown, maxDepth: number): JsonWalk {
  const walk: JsonWalk = { tooDeep: false, forbiddenKey: false, nonFinite: false };
  const containers: object[] = [];
  const depths: number[] = [];
  const visit = (v: unknown, depth: number): void => {
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) walk.nonFinite = true;
    } else if (v !== null && typeof v === 'object') {
      containers.push(v);
      depths.push(depth + 1);
    }
  };
  visit(value, 0);
  while (containers.length > 0) {
    const v = containers.pop()!;
    const depth = depths.pop()!;
    if (depth > maxDepth) {
      walk.tooDeep = true;
      return walk;
    }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) visit(v[i], depth);
      continue;
    }
    for (const key of Object.keys(v)) {
      if (FORBIDDEN_KEYS.has(key)) walk.forbiddenKey = true;
      visit((v as Record<string, unknown>)[key], depth);
    }
  }
  return walk;
}
