import * as crypto from 'node:crypto';

type OneShot = (algorithm: string, data: string | Buffer, encoding: 'buffer') => Buffer;

// crypto.hash (Node >= 20.12) hashes in one native call; createHash builds a Hash object per
// call, a measurable share of a request's CPU on the ingest hot path (several digests each).
const oneShot = (crypto as { hash?: OneShot }).hash;

/** SHA-256 of `data` (a string is hashed as UTF-8), the same bytes as createHash('sha256'). */
export function sha256(data: string | Buffer): Buffer {
  return oneShot ? oneShot('sha256', data, 'buffer') : crypto.createHash('sha256').update(data).digest();
}

/** SHA-256 of `data` as 64 hex characters. */
export function sha256Hex(data: string | Buffer): string {
  return sha256(data).toString('hex');
}
