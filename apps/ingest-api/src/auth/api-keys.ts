import { timingSafeEqual } from 'node:crypto';
import { RouteGroup, parseApiKeyEntry } from '@app/config';
import { sha256, sha256Hex } from '@app/contracts';

export interface KeyMatch {
  id: string;
  scopes: readonly RouteGroup[];
}

/**
 * The configured API keys, held as SHA-256 digests: a presented key is hashed and compared
 * with every digest in constant time, so neither timing nor length tells anything about a key.
 */
export class ApiKeys {
  private readonly keys: Array<{ digest: Buffer } & KeyMatch>;

  /** `entries` as in API_KEY: `key` or `key:group+group` (validated by libs/config). */
  constructor(entries: readonly string[]) {
    this.keys = entries.map((raw) => {
      const parsed = parseApiKeyEntry(raw);
      if (!parsed.ok) throw new Error(`invalid API_KEY entry: ${parsed.reason}`);
      const { key, scopes } = parsed.entry;
      return { digest: sha256(key), id: ApiKeys.idOf(key), scopes };
    });
  }

  /** A short, non-reversible fingerprint naming which key was used (for envelopes and logs). */
  static idOf(key: string): string {
    return sha256Hex(`api-key-id:${key}`).slice(0, 12);
  }

  /** The matching key's id and scopes, or undefined. Always compares against every key. */
  match(presented: string): KeyMatch | undefined {
    const digest = sha256(presented);
    let found: KeyMatch | undefined;
    for (const key of this.keys) {
      if (timingSafeEqual(digest, key.digest)) found = { id: key.id, scopes: key.scopes };
    }
    return found;
  }

  /** The id of the matching key, or undefined. */
  identify(presented: string): string | undefined {
    return this.match(presented)?.id;
  }
}

/**
 * `Authorization: Basic` carries the key as the password (any user name, as Pushgateway
 * clients send it); a key as the user name with an empty password (`curl -u KEY:`) works too.
 */
function basicKey(credentials: string): string | undefined {
  const decoded = Buffer.from(credentials, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const [user, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
  return password.length > 0 ? password : user.length > 0 ? user : undefined;
}

/** `Authorization: Bearer|Basic`, then `X-API-Key`, then (where allowed) the `key` query parameter. */
export function presentedKey(
  headers: Record<string, string | string[] | undefined>,
  query: unknown,
  allowQuery: boolean,
): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const match = /^(Bearer|Basic)\s+(\S+)\s*$/i.exec(auth);
    if (match) return match[1].toLowerCase() === 'bearer' ? match[2] : basicKey(match[2]);
  }
  const header = headers['x-api-key'];
  if (typeof header === 'string' && header.length > 0) return header.trim();
  if (allowQuery && query && typeof (query as Record<string, unknown>).key === 'string')
    return (query as Record<string, string>).key;
  return undefined;
}
