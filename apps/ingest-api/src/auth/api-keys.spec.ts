import { ApiKeys, presentedKey } from './api-keys';

describe('ApiKeys', () => {
  const keys = new ApiKeys(['old-key-0123456789', 'new-key-0123456789']);

  it('identifies each configured key by a fingerprint that does not contain it', () => {
    const id = keys.identify('new-key-0123456789');
    expect(id).toMatch(/^[0-9a-f]{12}$/);
    expect(id).toBe(ApiKeys.idOf('new-key-0123456789'));
    expect(keys.identify('old-key-0123456789')).not.toBe(id);
    expect(keys.identify('new-key-012345678')).toBeUndefined();
    expect(keys.identify('')).toBeUndefined();
  });

  it('reads the key from Bearer, X-API-Key, and the query only where allowed', () => {
    expect(presentedKey({ authorization: 'Bearer abc' }, {}, false)).toBe('abc');
    expect(presentedKey({ authorization: 'bearer  abc ' }, {}, false)).toBe('abc');
    expect(presentedKey({ 'x-api-key': 'def' }, {}, false)).toBe('def');
    expect(presentedKey({}, { key: 'q' }, false)).toBeUndefined();
    expect(presentedKey({}, { key: 'q' }, true)).toBe('q');
    expect(presentedKey({ authorization: 'Basic xyz' }, {}, false)).toBeUndefined();
  });
});
