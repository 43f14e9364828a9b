import { readFile } from 'node:fs/promises';
import { TokenSource } from './targets-file';

export type TokenResolution = { ok: true; token: string } | { ok: false; reason: string };

/**
 * A target's token, read at each round so a rotated secret file or variable takes effect
 * without a restart. Reasons name the source, never the value.
 */
export async function resolveToken(
  source: TokenSource,
  env: Readonly<Record<string, string | undefined>>,
  read: (path: string) => Promise<string> = (path) => readFile(path, 'utf8'),
): Promise<TokenResolution> {
  if (source.kind === 'inline') return { ok: true, token: source.value };
  if (source.kind === 'env') {
    const value = env[source.name]?.trim();
    if (value) return { ok: true, token: value };
    return { ok: false, reason: `environment variable ${source.name} is unset or empty` };
  }
  try {
    const value = (await read(source.path)).trim();
    return value ? { ok: true, token: value } : { ok: false, reason: `token file ${source.path} is empty` };
  } catch (err) {
    return { ok: false, reason: `token file ${source.path}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}` };
  }
}
