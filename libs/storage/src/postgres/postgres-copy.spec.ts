import { copyBinary } from './postgres-copy';

/** The text of the one jsonb field of a one-row, one-column binary COPY (after its version byte). */
function jsonbText(value: unknown): string {
  const out = Buffer.concat(copyBinary([[value]], ['jsonb']));
  const length = out.readInt32BE(21);
  expect(out[25]).toBe(1); // jsonb's binary format version
  return out.subarray(26, 25 + length).toString('utf8');
}

describe('a jsonb value in binary COPY (the fast path without a replacer)', () => {
  it.each([
    [{ a: 1, b: 'plain' }, '{"a":1,"b":"plain"}'],
    [{ deep: { list: ['x\u0000y', 2] } }, '{"deep":{"list":["xy",2]}}'],
    // A backslash followed by "u0000" is text, not a NUL: kept as JSON wrote it.
    [{ s: 'a\\u0000b' }, '{"s":"a\\\\u0000b"}'],
    [{ q: 'say "hi"\n' }, '{"q":"say \\"hi\\"\\n"}'],
    [{ t: 'a\tb\rc', 'k\ty': 1 }, '{"t":"a\\tb\\rc","k\\ty":1}'],
    [['\u2028', 'é'], '["\u2028","é"]'],
    // A string is a JSON string, not JSON text
    ['plain', '"plain"'],
  ])('%j', (value, expected) => {
    expect(jsonbText(value)).toBe(expected);
  });
});
