import { BodyError } from './body-error';
import { MAX_JSON_TOKENS, exceedsDepth, parseJson, scanJson } from './safe-json';

describe('parseJson', () => {
  it('parses ordinary JSON', () => {
    expect(parseJson('{"a":[1,{"b":"[[[["}]}', 3)).toEqual({ a: [1, { b: '[[[[' }] });
  });

  it('counts depth outside strings only', () => {
    expect(exceedsDepth('[[[]]]', 3)).toBe(false);
    expect(exceedsDepth('[[[[]]]]', 3)).toBe(true);
    expect(exceedsDepth('["\\"[[[[[[["]', 2)).toBe(false);
  });

  it.each([
    ['{"a":', /invalid JSON/],
    ['['.repeat(100_000), /nested deeper than 32/],
    ['{"__proto__":{"polluted":true}}', /forbidden key "__proto__"/],
    ['{"a":[{"constructor":{"prototype":{}}}]}', /forbidden key "constructor"/],
    ['{"\\u005f_proto__":1}', /forbidden key "__proto__"/],
    ['{"constructor":1}', /forbidden key "constructor"/],
  ])('rejects %s', (text, reason) => {
    let error: unknown;
    try {
      parseJson(text, 32);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(BodyError);
    expect((error as BodyError).status).toBe(400);
    expect((error as BodyError).message).toMatch(reason);
  });

  it('refuses more keys and values than MAX_JSON_TOKENS with 413, counting separators outside strings only', () => {
    const many = `[${'0,'.repeat(MAX_JSON_TOKENS + 1)}0]`;
    expect(() => parseJson(many, 32)).toThrow(
      expect.objectContaining({ status: 413, message: `JSON holds more than ${MAX_JSON_TOKENS} keys and values` }),
    );
    expect(scanJson(`["${',:'.repeat(MAX_JSON_TOKENS)}"]`, 32)).toBeUndefined();
    expect(scanJson('{"a":1,"b":[2,3]}', 32, 4)).toBeUndefined();
    expect(scanJson('{"a":1,"b":[2,3]}', 32, 3)).toBe('tokens');
  });

  it('allows the words as values', () => {
    expect(parseJson('{"a":"constructor","b":"__proto__"}', 32)).toEqual({ a: 'constructor', b: '__proto__' });
  });
});
