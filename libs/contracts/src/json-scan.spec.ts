import { scanJsonText } from './json-scan';

const scan = (text: string, maxDepth = 32, maxTokens = 1000) => scanJsonText(text, maxDepth, maxTokens);

describe('scanJsonText', () => {
  it('skips strings, escaped quotes and backslashes included', () => {
    expect(scan('["\\"[[[[", "a\\\\", "{{{{"]', 1).cost).toBeUndefined();
    expect(scan('["\\\\"[[]]]', 2).cost).toBe('depth');
    expect(scan('{"a":1,"b":"x,y:z"}', 32, 3).cost).toBeUndefined();
    expect(scan('{"a":1,"b":[2,3]}', 32, 3).cost).toBe('tokens');
    expect(scan('["unterminated [[[[[[', 1).cost).toBeUndefined();
  });

  it('flags what the exact checks must look at, and only that', () => {
    const plain = scan('{"version":"11_3_0","n":[1.5,-2,true,false,null],"s":"1e400 __proto__ x"}');
    expect(plain).toEqual({ maybeForbiddenKey: false, maybeNonFinite: false, hasUnicodeEscape: false });
    expect(scan('{"__proto__":1}').maybeForbiddenKey).toBe(true);
    expect(scan('{"a":"constructor"}').maybeForbiddenKey).toBe(true);
    expect(scan('{"\\u005f_proto__":1}')).toEqual({
      maybeForbiddenKey: true,
      maybeNonFinite: false,
      hasUnicodeEscape: true,
    });
    expect(scan('[1e400]').maybeNonFinite).toBe(true);
    expect(scan('[2.E5]').maybeNonFinite).toBe(true);
    expect(scan(`[${'9'.repeat(300)}]`).maybeNonFinite).toBe(true);
    expect(scan(`[${'9'.repeat(299)}.${'9'.repeat(299)}]`).maybeNonFinite).toBe(false);
  });
});
