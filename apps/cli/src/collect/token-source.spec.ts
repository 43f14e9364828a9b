import { resolveToken } from './token-source';

const files: Record<string, string> = { '/run/secrets/eu': 'glsa_from_file\n', '/run/secrets/empty': '\n' };
const read = async (path: string) => {
  if (path in files) return files[path];
  throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
};
const env = { EU_TOKEN: ' glsa_from_env ', EMPTY: '' };

describe('resolveToken', () => {
  it('reads inline, file (trimmed) and environment tokens', async () => {
    await expect(resolveToken({ kind: 'inline', value: 'glsa_inline' }, env, read)).resolves.toEqual({
      ok: true,
      token: 'glsa_inline',
    });
    await expect(resolveToken({ kind: 'file', path: '/run/secrets/eu' }, env, read)).resolves.toEqual({
      ok: true,
      token: 'glsa_from_file',
    });
    await expect(resolveToken({ kind: 'env', name: 'EU_TOKEN' }, env, read)).resolves.toEqual({
      ok: true,
      token: 'glsa_from_env',
    });
  });

  it('names the missing source, never a value', async () => {
    await expect(resolveToken({ kind: 'file', path: '/run/secrets/none' }, env, read)).resolves.toEqual({
      ok: false,
      reason: 'token file /run/secrets/none: ENOENT',
    });
    await expect(resolveToken({ kind: 'file', path: '/run/secrets/empty' }, env, read)).resolves.toEqual({
      ok: false,
      reason: 'token file /run/secrets/empty is empty',
    });
    await expect(resolveToken({ kind: 'env', name: 'EMPTY' }, env, read)).resolves.toEqual({
      ok: false,
      reason: 'environment variable EMPTY is unset or empty',
    });
    await expect(resolveToken({ kind: 'env', name: 'NOPE' }, env, read)).resolves.toEqual({
      ok: false,
      reason: 'environment variable NOPE is unset or empty',
    });
  });
});
