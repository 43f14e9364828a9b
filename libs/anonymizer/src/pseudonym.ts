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
