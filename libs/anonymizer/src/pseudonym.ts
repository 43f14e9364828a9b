import { createHmac } from 'node:crypto';

/**
 * Keyed HMAC-SHA256, 128 bits as 32 hex characters. Keyed, so a pseudonym of a guessable
 * identifier (a hostname, a login) cannot be reversed by hashing candidates without the key;
 * deterministic, so the same input maps to the same pseudonym across restarts and workers.
 */
export function pseudonym(key: string, value: string): string {
  return createHmac('sha256', key).update(value, 'utf8').digest('hex').slice(0, 32);
}

/** Non-string identifiers (a numeric user id) are hashed by their text. */
export function pseudonymOf(key: string, value: unknown): unknown {
  if (value === null || value === undefined || value === '') return value;
  return pseudonym(key, typeof value === 'string' ? value : JSON.stringify(value));
}

/**
 * A short public fingerprint of a key (8 hex characters), stored beside pseudonyms so a key
 * rotation is visible in the data. Derived by HMAC under the key itself: it tells keys apart
 * without helping anyone who lacks the key.
 */
export function keyIdOf(key: string): string {
  return pseudonym(key, 'usage-stats-handler key id').slice(0, 8);
}
