import { createHash, timingSafeEqual } from 'node:crypto';

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/**
 * The configured API keys, held as SHA-256 digests: a presented key is hashed and compared
 * with every digest in constant time, so neither timing nor length tells anything about a key.
 */
export class ApiKeys {
  private readonly keys: Array<{ digest: Buffer; id: string }>;

  constructor(keys: readonly string[]) {
    this.keys = keys.map((key) => ({ digest: sha256(key), id: ApiKeys.idOf(key) }));
  }

  /** A short, non-reversible fingerprint naming which key was used (for envelopes and logs). */
  static idOf(key: string): string {
    return createHash('sha256').update(`api-key-id:${key}`).digest('hex').slice(0, 12);
  }

  /** The id of the matching key, or undefined. Always compares against every key. */
  identify(presented: string): string | undefined {
    const digest = sha256(presented);
    let match: string | undefined;
    for (const key of this.keys) {
      if (timingSafeEqual(digest, key.digest)) match = key.id;
    }
    return match;
  }
}

/** `Authorization: Bearer <key>`, then `X-API-Key`, then (where allowed) the `key` query parameter. */
export function presentedKey(headers: Record<string, string | string[] | undefined>, query: unknown, allowQuery: boolean): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (match) return match[1];
  }
  const header = headers['x-api-key'];
  if (typeof header === 'string' && header.length > 0) return header.trim();
  if (allowQuery && query && typeof (query as Record<string, unknown>).key === 'string') return (query as Record<string, string>).key;
  return undefined;
}
