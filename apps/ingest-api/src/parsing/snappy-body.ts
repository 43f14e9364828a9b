import { uncompress, uncompressSync } from 'snappy';
import { BodyError } from './body-error';

/** The snappy framing format's stream identifier chunk: type 0xff, length 6, "sNaPpY". */
const STREAM_IDENTIFIER = Buffer.from([0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59]);
const MAX_CHUNK_DATA = 65_536;

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32c(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = CRC32C_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** The framing format stores each chunk's CRC-32C "masked" (rotated and offset). */
export function maskedCrc(bytes: Buffer): number {
  const crc = crc32c(bytes);
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
}

/** A raw block starts with its uncompressed length as a varint: read before anything is inflated. */
function blockLength(block: Buffer): number {
  let value = 0;
  for (let i = 0; i < 5 && i < block.length; i++) {
    value += (block[i] & 0x7f) * 2 ** (7 * i);
    if ((block[i] & 0x80) === 0) return value;
  }
  throw new BodyError(400, 'body is not valid snappy');
}

const tooLarge = (maxBytes: number) => new BodyError(413, `decompressed body exceeds ${maxBytes} bytes`);
const corrupt = (what: string) => new BodyError(400, `body is not valid snappy (${what})`);

/**
 * `Content-Encoding: snappy`: the framing format (what prometheus_client and Pushgateway
 * speak), or a bare block as some clients send it. The output is bounded by `maxBytes` before
 * each piece is inflated, from the lengths the format declares, never after.
 */
export async function decodeSnappy(body: Buffer, maxBytes: number): Promise<Buffer> {
  if (body.subarray(0, STREAM_IDENTIFIER.length).equals(STREAM_IDENTIFIER)) return decodeFramed(body, maxBytes);
  if (blockLength(body) > maxBytes) throw tooLarge(maxBytes);
  try {
    return (await uncompress(body, { asBuffer: true })) as Buffer;
  } catch {
    throw corrupt('block');
  }
}

function decodeFramed(body: Buffer, maxBytes: number): Buffer {
  const out: Buffer[] = [];
  let total = 0;
  for (let at = 0; at < body.length;) {
    if (at + 4 > body.length) throw corrupt('truncated chunk header');
    const type = body[at];
    const length = body.readUIntLE(at + 1, 3);
    const chunk = body.subarray(at + 4, at + 4 + length);
    if (chunk.length < length) throw corrupt('truncated chunk');
    at += 4 + length;
    if (type === 0xff) {
      if (!chunk.equals(STREAM_IDENTIFIER.subarray(4))) throw corrupt('bad stream identifier');
      continue;
    }
    if (type >= 0x80) continue; // padding (0xfe) and reserved skippable chunks
    if (type > 0x01) throw corrupt(`reserved chunk type ${type}`);
    if (length < 4) throw corrupt('chunk without checksum');
    const data = inflateChunk(type, chunk.subarray(4), maxBytes - total, maxBytes);
    if (maskedCrc(data) !== chunk.readUInt32LE(0)) throw corrupt('checksum mismatch');
    total += data.length;
    out.push(data);
  }
  return Buffer.concat(out, total);
}

/** One data chunk (0x00 compressed, 0x01 stored), refused before inflating when it would pass the budget. */
function inflateChunk(type: number, payload: Buffer, budget: number, maxBytes: number): Buffer {
  const size = type === 0x01 ? payload.length : blockLength(payload);
  if (size > MAX_CHUNK_DATA) throw corrupt('chunk larger than 64 KiB');
  if (size > budget) throw tooLarge(maxBytes);
  if (type === 0x01) return payload;
  try {
    return uncompressSync(payload, { asBuffer: true }) as Buffer;
  } catch {
    throw corrupt('chunk');
  }
}
