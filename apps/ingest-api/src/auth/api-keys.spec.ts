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
    expect(presentedKey({ authorization: 'Token xyz' }, {}, false)).toBeUndefined();
  });

  it('reads the key as the Basic password (any user), or as the user with an empty password', () => {
    const basic = (userinfo: string) => ({ authorization: `Basic ${Buffer.from(userinfo).toString('base64')}` });
    expect(presentedKey(basic('pusher:s3cret:with:colons'), {}, false)).toBe('s3cret:with:colons');
    expect(presentedKey(basic(':only-password'), {}, false)).toBe('only-password');
    expect(presentedKey(basic('key-as-user:'), {}, false)).toBe('key-as-user');
    expect(presentedKey(basic('no-colon'), {}, false)).toBeUndefined();
    expect(presentedKey(basic(':'), {}, false)).toBeUndefined();
  });

  it('limits a key written key:group+group to those route groups; a bare key opens all', () => {
    const scoped = new ApiKeys([
      'all-groups-0123456789',
      'panel-only-0123456789:panel',
      'pusher-0123456789:push+batch',
    ]);
    expect(scoped.match('all-groups-0123456789')?.scopes).toEqual(['report', 'panel', 'push', 'batch']);
    expect(scoped.match('panel-only-0123456789')).toEqual({
      id: ApiKeys.idOf('panel-only-0123456789'),
      scopes: ['panel'],
    });
    expect(scoped.match('pusher-0123456789')?.scopes).toEqual(['push', 'batch']);
    expect(scoped.match('panel-only-0123456789:panel')).toBeUndefined();
  });
});
