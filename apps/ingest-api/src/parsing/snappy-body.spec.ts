import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeSnappy } from './snappy-body';

// Fixtures written by python-snappy 0.7.3 (StreamCompressor: the framing format prometheus_client sends;
// snappy.compress: a bare block) from test/fixtures/samples/push.txt and from 150 000 "x" + 1000 random bytes.
const fixture = (name: string) => readFileSync(join(__dirname, '../../../../test/fixtures/samples', name));
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const STREAM_ID = Buffer.from('ff060000734e61507059', 'hex');
/** A stored (0x01) chunk of "123456789": CRC-32C 0xe3069283, masked 0xc78ab0e5. */
const storedChunk = Buffer.concat([
  Buffer.from([0x01, 13, 0, 0]),
  Buffer.from('e5b08ac7', 'hex'),
  Buffer.from('123456789'),
]);

describe('decodeSnappy', () => {
  it('decodes the framing format, one chunk and several', async () => {
    expect(await decodeSnappy(fixture('push.txt.sz'), 10_000)).toEqual(fixture('push.txt'));
    const big = await decodeSnappy(fixture('150k-x-1k-random.sz'), 1_000_000);
    expect([big.length, sha256(big)]).toEqual([
      151_000,
      'f25bdfc5b2deb19f5209d16fe7e8ca11f3483dd408549281c72d589bbe48b083',
    ]);
  });

  it('decodes a bare snappy block', async () => {
    expect(await decodeSnappy(fixture('push.txt.snappy-block'), 10_000)).toEqual(fixture('push.txt'));
  });

  it('takes stored chunks, padding and skippable chunks, and checks each checksum', async () => {
    const padding = Buffer.from([0xfe, 2, 0, 0, 0, 0]);
    const skippable = Buffer.from([0x80, 1, 0, 0, 7]);
    expect(
      (await decodeSnappy(Buffer.concat([STREAM_ID, padding, storedChunk, skippable, storedChunk]), 100)).toString(),
    ).toBe('123456789123456789');
    const flipped = Buffer.from(storedChunk);
    flipped[4] ^= 1;
    await expect(decodeSnappy(Buffer.concat([STREAM_ID, flipped]), 100)).rejects.toMatchObject({
      status: 400,
      message: 'body is not valid snappy (checksum mismatch)',
    });
  });

  it('stops at the size limit before inflating the chunk that would pass it', async () => {
    await expect(decodeSnappy(fixture('150k-x-1k-random.sz'), 100_000)).rejects.toMatchObject({
      status: 413,
      message: 'decompressed body exceeds 100000 bytes',
    });
    await expect(decodeSnappy(fixture('push.txt.snappy-block'), 100)).rejects.toMatchObject({ status: 413 });
    await expect(decodeSnappy(Buffer.concat([STREAM_ID, storedChunk, storedChunk]), 17)).rejects.toMatchObject({
      status: 413,
    });
  });

  it.each([
    ['a reserved unskippable chunk', Buffer.concat([STREAM_ID, Buffer.from([0x02, 1, 0, 0, 0])])],
    ['a truncated chunk', Buffer.concat([STREAM_ID, storedChunk.subarray(0, 10)])],
    ['a truncated header', Buffer.concat([STREAM_ID, Buffer.from([0x00, 1])])],
    ['a chunk without checksum', Buffer.concat([STREAM_ID, Buffer.from([0x00, 2, 0, 0, 1, 2])])],
    [
      'a corrupt compressed chunk',
      Buffer.concat([STREAM_ID, Buffer.from([0x00, 7, 0, 0, 0, 0, 0, 0, 0x05, 0xff, 0xff])]),
    ],
    ['a corrupt block', Buffer.from([0x05, 0xff, 0xff])],
    ['an unterminated length', Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])],
  ])('answers 400 for %s', async (_what, body) => {
    await expect(decodeSnappy(body, 1000)).rejects.toMatchObject({ name: 'BodyError', status: 400 });
  });
});
