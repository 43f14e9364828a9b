import { ValidateBy, ValidationOptions } from 'class-validator';

/** The route groups a key or PUBLIC_ROUTES can name. */
export const ROUTE_GROUPS = ['report', 'panel', 'push', 'batch'] as const;
export type RouteGroup = (typeof ROUTE_GROUPS)[number];

export interface ApiKeyEntry {
  key: string;
  /** The groups the key opens; every group when the entry names none. */
  scopes: readonly RouteGroup[];
}

export type ApiKeyEntryResult = { ok: true; entry: ApiKeyEntry } | { ok: false; reason: string };

const MIN_KEY_LENGTH = 16;
/** A tail of lowercase words joined by `+` after the last `:` is a scope list, anything else is part of the key. */
const SCOPE_TAIL = /:([a-z]+(?:\+[a-z]+)*)$/;

/**
 * One entry of API_KEY: `key` (every route group) or `key:group+group` (only those), e.g.
 * `…:panel` for the analytics panel's key, which every dashboard viewer can read.
 */
export function parseApiKeyEntry(entry: string): ApiKeyEntryResult {
  const tail = SCOPE_TAIL.exec(entry);
  const key = tail ? entry.slice(0, tail.index) : entry;
  if (key.length < MIN_KEY_LENGTH) {
    return { ok: false, reason: `each key must be at least ${MIN_KEY_LENGTH} characters` };
  }
  if (!tail) return { ok: true, entry: { key, scopes: ROUTE_GROUPS } };
  const names = tail[1].split('+');
  const unknown = names.find((n) => !(ROUTE_GROUPS as readonly string[]).includes(n));
  if (unknown !== undefined) {
    return { ok: false, reason: `unknown scope "${unknown}" (allowed: ${ROUTE_GROUPS.join(', ')})` };
  }
  return { ok: true, entry: { key, scopes: [...new Set(names as RouteGroup[])] } };
}

/** class-validator check of each API_KEY entry (the message never repeats the key). */
export function IsApiKeyEntry(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isApiKeyEntry',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && parseApiKeyEntry(value).ok,
        defaultMessage: (args) => {
          // With `each`, args.value is the whole list: report the first entry that fails.
          const values: unknown[] = Array.isArray(args?.value) ? args.value : [args?.value];
          for (const value of values) {
            const result = typeof value === 'string' ? parseApiKeyEntry(value) : undefined;
            if (!result) return 'each key must be a string';
            if (!result.ok) return result.reason;
          }
          return 'is invalid';
        },
      },
    },
    { ...options, each: true },
  );
}
