import { Command } from 'commander';
import { createPostgresPool, MIGRATIONS, migrate } from '@app/storage/postgres';
import { runAction } from '../cli-runner';

/** `usage-stats migrate`: the PostgreSQL store's pending migrations, for operators who set POSTGRES_MIGRATE_ON_START=false. */
export function migrateCommand(): Command {
  return new Command('migrate')
    .description('apply pending PostgreSQL migrations (the same ones the worker applies at start)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nSafe to run while workers run: migrations take an advisory lock and are each one transaction.',
    )
    .action((o: { json?: boolean }) =>
      runAction(
        () => o,
        async (_args, ctx) => {
          const pg = ctx.config.postgres;
          const pool = createPostgresPool(pg, 'usage-stats-cli');
          pool.on('error', () => undefined);
          try {
            const applied = await migrate(pool);
            const latest = Math.max(...MIGRATIONS.map((m) => m.version));
            const names = applied.map((v) => `${v} (${MIGRATIONS.find((m) => m.version === v)?.name ?? '?'})`);
            process.stdout.write(
              o.json
                ? `${JSON.stringify({ database: pg.database, host: pg.host, applied, latest })}\n`
                : `${pg.host}:${pg.port}/${pg.database}: ${applied.length ? `applied ${names.join(', ')}` : 'up to date'}` +
                    ` (schema version ${latest})\n`,
            );
          } finally {
            await pool.end().catch(() => undefined);
          }
        },
      ),
    );
}
