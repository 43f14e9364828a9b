import { setTimeout as sleep } from 'node:timers/promises';

/** What dropDatabase needs of a pg Client. */
export interface Queryable {
  query(sql: string): Promise<unknown>;
}

/** PostgreSQL's insufficient_privilege. */
const INSUFFICIENT_PRIVILEGE = '42501';

/**
 * `DROP DATABASE ... WITH (FORCE)` as the stack's role, retried while PostgreSQL refuses it for
 * lack of privilege. FORCE terminates the database's other sessions only if this role may signal
 * them, and an autovacuum worker (which a bench's load of tens of thousands of rows starts) belongs
 * to no role: the drop fails with 42501 until it is done. Any other error is thrown at once.
 */
export async function dropDatabase(
  admin: Queryable,
  db: string,
  { timeoutMs = 60_000, retryMs = 500 }: { timeoutMs?: number; retryMs?: number } = {},
): Promise<{ attempts: number }> {
  const deadline = Date.now() + timeoutMs;
  for (let attempts = 1; ; attempts++) {
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      return { attempts };
    } catch (err) {
      if ((err as { code?: string }).code !== INSUFFICIENT_PRIVILEGE || Date.now() + retryMs > deadline) throw err;
      await sleep(retryMs);
    }
  }
}
