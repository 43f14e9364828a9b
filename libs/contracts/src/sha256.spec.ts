import { sha256, sha256Hex } from './sha256';

describe('sha256', () => {
  it('hashes text as UTF-8 and bytes as they are (known answers)', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('é')).toBe(sha256Hex(Buffer.from([0xc3, 0xa9])));
    expect(sha256(Buffer.from('abc')).length).toBe(32);
  });
});
