import { isNdjson, parseBatch } from './batch-body';
import { MAX_JSON_TOKENS } from './safe-json';

describe('parseBatch', () => {
  it('bounds the keys and values of a whole NDJSON body, not only of each line', () => {
    const line = `[${'0,'.repeat(999)}0]\n`;
    expect(() => parseBatch(line.repeat(201), true, 8, 1000)).toThrow(
      `JSON holds more than ${MAX_JSON_TOKENS} keys and values`,
    );
    expect(parseBatch(line.repeat(3), true, 8, 1000)).toMatchObject({
      single: false,
      items: [{ ok: true }, { ok: true }, { ok: true }],
    });
  });

  it('reads an object as one report, an array as items, NDJSON line by line', () => {
    expect(parseBatch('{"version":"1"}', false, 8, 10)).toEqual({ single: true, value: { version: '1' } });
    expect(parseBatch('[{"a":1},2]', false, 8, 10)).toEqual({
      single: false,
      items: [
        { ok: true, value: { a: 1 } },
        { ok: true, value: 2 },
      ],
    });
    const nd = parseBatch('{"a":1}\r\n\n{"a":\n', true, 8, 10);
    expect(nd).toMatchObject({
      single: false,
      items: [
        { ok: true, value: { a: 1 } },
        { ok: false, reason: expect.stringMatching(/invalid JSON/) },
      ],
    });
  });

  it.each([
    ['[]', false, 400],
    ['"text"', false, 400],
    ['[1,2,3]', false, 413],
    ['1\n2\n3\n', true, 413],
  ])('refuses %j', (text, nd, status) => {
    expect(() => parseBatch(text, nd, 8, 2)).toThrow(expect.objectContaining({ status }));
  });

  it('recognises NDJSON content types', () => {
    expect(isNdjson('application/x-ndjson; charset=utf-8')).toBe(true);
    expect(isNdjson('application/json')).toBe(false);
  });
});
