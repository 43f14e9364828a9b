import { BodyError } from './body-error';
import { parseBatch } from './batch-body';
import { parseJson } from './safe-json';
import { findUnstorable, unstorableString } from '@app/contracts';

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof BodyError) return [err.status, err.message];
  }
  return undefined;
};

describe('values no store can hold', () => {
  it('finds lone surrogates and NUL characters, and accepts paired surrogates', () => {
    expect(unstorableString('a\ud800b')).toBe('is not valid Unicode (a lone UTF-16 surrogate)');
    expect(unstorableString('\udc00')).toBe('is not valid Unicode (a lone UTF-16 surrogate)');
    expect(unstorableString('a\u0000')).toBe('contains a NUL character (U+0000)');
    expect(unstorableString('😀 \ud83d\ude00 é')).toBeUndefined();
  });

  it('names where the value sits', () => {
    expect(findUnstorable({ a: [1, { 'b/c': 'x\ud800' }] })).toBe(
      'string at /a/1/b~1c is not valid Unicode (a lone UTF-16 surrogate)',
    );
    expect(findUnstorable({ ['k\u0000']: 1 })).toBe('key at / contains a NUL character (U+0000)');
    expect(findUnstorable({ n: Infinity })).toBe('number at /n is outside the float64 range');
  });

  it.each([
    ['{"v":"\\ud800"}', 'string at /v is not valid Unicode (a lone UTF-16 surrogate)'],
    ['{"v":"\\udfff x"}', 'string at /v is not valid Unicode (a lone UTF-16 surrogate)'],
    ['{"v":["\\u0000"]}', 'string at /v/0 contains a NUL character (U+0000)'],
    ['{"v":1e400}', 'number at /v is outside the float64 range'],
    ['{"v":-1E+999}', 'number at /v is outside the float64 range'],
  ])('parseJson refuses %s with a 400', (text, message) => {
    expect(refusal(() => parseJson(text, 32))).toEqual([400, message]);
  });

  it('parseJson keeps escaped pairs, large finite numbers and the words themselves', () => {
    expect(parseJson('{"v":"\\ud83d\\ude00","n":1e300,"t":"\\\\u0000"}', 32)).toEqual({
      v: '😀',
      n: 1e300,
      t: '\\u0000',
    });
  });

  it('judges each item of a JSON array or NDJSON batch on its own', () => {
    const array = parseBatch('[{"a":"ok"},{"a":"\\ud800"}]', false, 32, 10);
    expect(array).toEqual({
      single: false,
      items: [
        { ok: true, value: { a: 'ok' } },
        { ok: false, reason: 'string at /a is not valid Unicode (a lone UTF-16 surrogate)' },
      ],
    });
    const ndjson = parseBatch('{"a":"\\u0000"}\n{"a":"ok"}\n', true, 32, 10);
    expect(ndjson).toEqual({
      single: false,
      items: [
        { ok: false, reason: 'string at /a contains a NUL character (U+0000)' },
        { ok: true, value: { a: 'ok' } },
      ],
    });
    expect(refusal(() => parseBatch('{"a":"\\ud800"}', false, 32, 10))).toEqual([
      400,
      'string at /a is not valid Unicode (a lone UTF-16 surrogate)',
    ]);
  });
});
