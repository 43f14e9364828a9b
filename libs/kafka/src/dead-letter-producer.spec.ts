import { chunkLetters, DEAD_LETTER_HEADERS, fitLetter, letterSize } from './dead-letter-producer';

const letter = (valueBytes: number, headers: Record<string, string> = {}) => ({
  key: Buffer.from('k'),
  value: Buffer.alloc(valueBytes, 1),
  headers: { [DEAD_LETTER_HEADERS.reason]: 'store_rejected', ...headers },
});

describe('letterSize', () => {
  it('counts key, value and every header with the record overhead', () => {
    expect(
      letterSize({
        key: Buffer.from('k'),
        value: Buffer.alloc(100),
        headers: { a: 'bc', d: [Buffer.from('e'), 'fg'] },
      }),
    ).toBe(32 + 1 + 100 + (8 + 1 + 2) + (8 + 1 + 1) + (8 + 1 + 2));
  });
});

describe('fitLetter', () => {
  it('keeps a letter that fits as it is', () => {
    const small = letter(1000);
    expect(fitLetter(small, 10_000)).toBe(small);
  });

  it('drops the payload of a letter over the limit and records its size and SHA-256', () => {
    const out = fitLetter(letter(20_000, { 'correlation-id': 'c1' }), 10_000);
    expect(out.value).toBeNull();
    expect(out.key?.toString()).toBe('k');
    expect(out.headers).toEqual({
      [DEAD_LETTER_HEADERS.reason]: 'store_rejected',
      'correlation-id': 'c1',
      [DEAD_LETTER_HEADERS.payloadDropped]:
        '20000 bytes dropped: the letter exceeded KAFKA_DEAD_LETTER_MAX_BYTES (10000)',
      // sha256 of 20000 bytes of 0x01
      [DEAD_LETTER_HEADERS.payloadSha256]: 'b473271113c7461a8fe3eadb8fb59f95ba13729e8d993d834162c6fdbddeac47',
    });
  });

  it('drops the original headers too when they alone are over the limit', () => {
    const out = fitLetter(letter(10, { huge: 'x'.repeat(20_000) }), 10_000);
    expect(Object.keys(out.headers).sort()).toEqual(
      [DEAD_LETTER_HEADERS.payloadDropped, DEAD_LETTER_HEADERS.payloadSha256, DEAD_LETTER_HEADERS.reason].sort(),
    );
    expect(letterSize(out)).toBeLessThan(10_000);
  });
});

describe('chunkLetters', () => {
  it('groups letters in order so each request stays under the limit', () => {
    const letters = [400, 400, 400, 100, 900].map((kb) => letter(kb * 1000));
    const chunks = chunkLetters(letters, 1_000_000);
    expect(chunks.map((c) => c.length)).toEqual([2, 2, 1]);
    for (const c of chunks) expect(c.reduce((n, l) => n + letterSize(l), 512)).toBeLessThanOrEqual(1_000_000);
    expect(chunks.flat()).toEqual(letters);
  });
});
