import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { BodyError } from './body-error';
import { decodeSnappy } from './snappy-body';

const gunzipAsync = promisify(gunzip);
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Undoes Content-Encoding (gzip, snappy, identity). The compressed size is already bounded by Fastify's bodyLimit;
 * the decompressed size is bounded here, so a gzip bomb stops at `maxBytes` of output.
 */
export async function decodeContent(
  body: Buffer,
  contentEncoding: string | undefined,
  maxBytes: number,
): Promise<Buffer> {
  const encoding = (contentEncoding ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return body;
  if (encoding === 'snappy') return decodeSnappy(body, maxBytes);
  if (encoding !== 'gzip' && encoding !== 'x-gzip') {
    throw new BodyError(415, `unsupported Content-Encoding "${encoding.slice(0, 32)}" (gzip, snappy or identity)`);
  }
  try {
    // Output chunks sized to the body: zlib's default 16 KB makes a 10 MB output cost about four
    // times the CPU (and 640 completions on the event loop); small bodies keep small buffers.
    const chunkSize = Math.min(1 << 20, Math.max(16 << 10, body.length * 32));
    return await gunzipAsync(body, { maxOutputLength: maxBytes, chunkSize });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new BodyError(413, `decompressed body exceeds ${maxBytes} bytes`);
    }
    throw new BodyError(400, 'body is not valid gzip');
  }
}

/** Strict UTF-8 (a leading BOM is dropped); invalid byte sequences are a 400, never mojibake. */
export function decodeUtf8(bytes: Buffer): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new BodyError(400, 'body is not valid UTF-8');
  }
}

/** The bytes without a leading UTF-8 BOM, which decodeUtf8 drops from the text too (a view, not a copy). */
export function withoutBom(bytes: Buffer): Buffer {
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
}
