import type { Pool } from 'pg';
import { initial } from './migrations/001-initial.migration';
import { analyticsRollups } from './migrations/002-analytics-rollups.migration';
import { pushGroups } from './migrations/003-push-groups.migration';
import { reportVersionNormalized } from './migrations/004-report-version-normalized.migration';
import { analyticsUsageRollups } from './migrations/005-analytics-usage-rollups.migration';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Every migration, in order. Add a file under migrations/ and one line here; never edit an applied one. */
export const MIGRATIONS: Migration[] = [
  initial,
  analyticsRollups,
  pushGroups,
  reportVersionNormalized,
  analyticsUsageRollups,
];

/** Any constant shared by all instances: serializes migrations across workers and machines. */
const MIGRATION_LOCK = 727_001_337;

/**
 * Applies pending migrations under a session advisory lock, each in its own transaction.
 * Idempotent and safe to run concurrently; returns the versions it applied.
 */
export async function migrate(pool: Pool, migrations: Migration[] = MIGRATIONS): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((r) => r.version));
    const done: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(m.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, { cause: err });
      }
      done.push(m.version);
    }
    return done;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
}
