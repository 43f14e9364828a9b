import { BodyError } from './body-error';
import { MAYBE_UNSTORABLE_JSON, findUnstorable } from './storable';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor']);
/** Cheap pre-test: the key walk only runs when a forbidden key, or an escape that could spell one, appears. */
const MAYBE_FORBIDDEN = /__proto__|constructor|\\u/;

/**
 * Nesting depth of a JSON text, counted without parsing (brackets inside strings do not
 * count). Returns as soon as `max` is exceeded, so a hostile document costs one linear scan.
 */
export function exceedsDepth(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) {
      inString = true;
    } else if (c === 123 || c === 91) {
      if (++depth > max) return true;
    } else if (c === 125 || c === 93) {
      depth--;
    }
  }
  return false;
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
 * code must never overflow the stack), no `__proto__`/`constructor` keys (prototype
 * poisoning of whatever merges the object later) and, unless the caller checks items
 * itself (`storable: false`), nothing a store cannot hold (see storable.ts). Every failure is a BodyError(400).
 */
export function parseJson(text: string, maxDepth: number, options: { storable?: boolean } = {}): unknown {
  if (exceedsDepth(text, maxDepth)) throw new BodyError(400, `JSON nested deeper than ${maxDepth} levels`);
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
