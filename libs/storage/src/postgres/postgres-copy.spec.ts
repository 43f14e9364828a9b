import { copyField } from './postgres-copy';

describe('copyField on JSON values (the fast path without a replacer)', () => {
  it.each([
    [{ a: 1, b: 'plain' }, '{"a":1,"b":"plain"}'],
    [{ deep: { list: ['x\u0000y', 2] } }, '{"deep":{"list":["xy",2]}}'],
    // A backslash followed by "u0000" is text, not a NUL: kept, its backslash escaped for COPY.
    [{ s: 'a\\u0000b' }, '{"s":"a\\\\\\\\u0000b"}'],
    [{ q: 'say "hi"\n' }, '{"q":"say \\\\"hi\\\\"\\\\n"}'],
    // Tabs and carriage returns are escaped by JSON first; COPY then escapes those backslashes.
    [{ t: 'a\tb\rc', 'k\ty': 1 }, '{"t":"a\\\\tb\\\\rc","k\\\\ty":1}'],
    [['\u2028', 'é'], '["\u2028","é"]'],
  ])('%j', (value, expected) => {
    expect(copyField(value)).toBe(expected);
  });
});
