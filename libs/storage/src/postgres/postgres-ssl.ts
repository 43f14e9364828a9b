import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { PostgresConfig } from '@app/config';

/**
 * POSTGRES_SSL_MODE as libpq means it: disable = plain TCP; require = TLS without checking the
 * certificate; verify-ca = the chain must lead to POSTGRES_SSL_CA_FILE (any host name);
 * verify-full = the chain and the host name. Without a CA file, verify-* use the system CAs.
 */
export function sslOptions(
  config: Pick<PostgresConfig, 'sslMode' | 'sslCaFile'>,
  readFile = readFileSync,
): false | ConnectionOptions {
  switch (config.sslMode) {
    case 'disable':
      return false;
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
    case 'verify-full': {
      const ca = config.sslCaFile ? readFile(config.sslCaFile, 'utf8') : undefined;
      const base: ConnectionOptions = { rejectUnauthorized: true, ...(ca ? { ca } : {}) };
      return config.sslMode === 'verify-ca' ? { ...base, checkServerIdentity: () => undefined } : base;
    }
  }
}
