import { gzipSync } from 'node:zlib';
import { BodyError } from './body-error';
import { decodeContent, decodeUtf8 } from './body-decoder';

describe('decodeContent', () => {
  it('passes identity bodies through and gunzips gzip', async () => {
    expect((await decodeContent(Buffer.from('x'), undefined, 10)).toString()).toBe('x');
    expect((await decodeContent(gzipSync('hello'), 'gzip', 10)).toString()).toBe('hello');
  });

  it.each([
    [gzipSync(Buffer.alloc(1_000_000)), 'gzip', 413],
    [Buffer.from('plain'), 'gzip', 400],
    [Buffer.from('x'), 'br', 415],
    [Buffer.from([0x05, 0xff, 0xff]), 'snappy', 400],
  ])('refuses %#', async (body, encoding, status) => {
    await expect(decodeContent(body, encoding, 1000)).rejects.toMatchObject({ name: 'BodyError', status });
  });
});

describe('decodeUtf8', () => {
  it('decodes UTF-8, drops a BOM, and refuses invalid sequences', () => {
    expect(decodeUtf8(Buffer.from('\uFEFFgrüß', 'utf8'))).toBe('grüß');
    expect(() => decodeUtf8(Buffer.from([0x61, 0xc3, 0x28]))).toThrow(BodyError);
  });
});
