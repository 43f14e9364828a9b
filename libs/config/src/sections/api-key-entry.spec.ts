import { loadConfig } from '../load-config';
import { parseApiKeyEntry } from './api-key-entry';

describe('parseApiKeyEntry', () => {
  it('reads key, key:group and key:group+group', () => {
    expect(parseApiKeyEntry('k'.repeat(16))).toEqual({
      ok: true,
      entry: { key: 'k'.repeat(16), scopes: ['report', 'panel', 'push', 'batch'] },
    });
    expect(parseApiKeyEntry(`${'k'.repeat(16)}:panel`)).toEqual({
      ok: true,
      entry: { key: 'k'.repeat(16), scopes: ['panel'] },
    });
    expect(parseApiKeyEntry(`${'k'.repeat(16)}:push+batch+push`)).toEqual({
      ok: true,
      entry: { key: 'k'.repeat(16), scopes: ['push', 'batch'] },
    });
  });

  it('keeps a colon inside a key when the tail is not a word list', () => {
    expect(parseApiKeyEntry('abc:DEF-0123456789')).toEqual({
      ok: true,
      entry: { key: 'abc:DEF-0123456789', scopes: ['report', 'panel', 'push', 'batch'] },
    });
  });

  it('refuses unknown scopes and short keys', () => {
    expect(parseApiKeyEntry(`${'k'.repeat(16)}:pannel`)).toEqual({
      ok: false,
      reason: 'unknown scope "pannel" (allowed: report, panel, push, batch)',
    });
    expect(parseApiKeyEntry('short:panel')).toEqual({ ok: false, reason: 'each key must be at least 16 characters' });
  });
});

describe('AuthConfig', () => {
  const base = { ANONYMIZATION_KEY: 'a'.repeat(32) };
  const errorOf = (env: Record<string, string>) => {
    try {
      loadConfig({ ...base, ...env });
    } catch (err) {
      return (err as Error).message;
    }
    return undefined;
  };

  it('takes scoped keys and public route groups', () => {
    const c = loadConfig({
      ...base,
      API_KEY: `${'k'.repeat(16)},${'p'.repeat(16)}:panel`,
      PUBLIC_ROUTES: 'report, push',
    });
    expect(c.auth.apiKeys).toEqual(['k'.repeat(16), `${'p'.repeat(16)}:panel`]);
    expect(c.auth.publicRoutes).toEqual(['report', 'push']);
    expect(loadConfig({ ...base, API_KEY: 'k'.repeat(16) }).auth.publicRoutes).toEqual([]);
  });

  it('names the bad setting in one line, without the key', () => {
    expect(errorOf({ API_KEY: `${'k'.repeat(16)}:pannel` })).toBe(
      'Invalid configuration: API_KEY="<redacted>": unknown scope "pannel" (allowed: report, panel, push, batch)',
    );
    expect(errorOf({ API_KEY: 'k'.repeat(16), PUBLIC_ROUTES: 'report,grafana' })).toBe(
      'Invalid configuration: PUBLIC_ROUTES="report,grafana": must be a comma-separated list of report, panel, push, batch',
    );
  });
});
