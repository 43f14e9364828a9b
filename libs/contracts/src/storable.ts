/**
 * Values no store can hold, refused at the API so they never reach Kafka: PostgreSQL text and
 * jsonb refuse NUL characters and strings that are not valid Unicode (a lone UTF-16 surrogate,
 * which JSON can spell as "\ud800"), and JSON has no infinities (a number past float64 such as
 * 1e400 would silently become null).
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Cheap pre-test on JSON text: the walk only runs when an escape or a number could spell trouble. */
export const MAYBE_UNSTORABLE_JSON = /\\u(?:0000|[dD][89a-fA-F])|[eE]\+?0*[1-9]\d{2}|\d{300}/;

/** Why `s` cannot be stored, or undefined. */
export function unstorableString(s: string): string | undefined {
  if (s.includes('\0')) return 'contains a NUL character (U+0000)';
  if (LONE_SURROGATE.test(s)) return 'is not valid Unicode (a lone UTF-16 surrogate)';
  return undefined;
}

/** The first value in a parsed JSON document that cannot be stored, as "where why" (iterative: depth is bounded). */
export function findUnstorable(value: unknown, root = ''): string | undefined {
  const stack: Array<[unknown, string]> = [[value, root]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      const why = unstorableString(v);
      if (why) return `string at ${path || '/'} ${why}`;
    } else if (typeof v === 'number') {
      if (!Number.isFinite(v)) return `number at ${path || '/'} is outside the float64 range`;
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => stack.push([item, `${path}/${i}`]));
    } else if (v !== null && typeof v === 'object') {
      for (const [key, item] of Object.entries(v)) {
        const why = unstorableString(key);
        if (why) return `key at ${path || '/'} ${why}`;
        stack.push([item, `${path}/${pointerToken(key)}`]);
      }
    }
  }
  return undefined;
}

/** A key as a JSON Pointer token, shortened and with unprintable characters escaped, for an error message. */
function pointerToken(key: string): string {
  return JSON.stringify(key.slice(0, 64)).slice(1, -1).replace(/~/g, '~0').replace(/\//g, '~1');
}
