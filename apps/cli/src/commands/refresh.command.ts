import { Command } from 'commander';
import { createPostgresPool, refreshRollups, sessionGapCap } from '@app/storage/postgres';
import { UsageError } from '../cli-errors';
import { runAction } from '../cli-runner';

interface RefreshArgs {
  full: boolean;
  overlapSeconds: number;
  json: boolean;
}

function parse(o: { full?: boolean; overlap?: string; json?: boolean }): RefreshArgs {
  const overlapSeconds = Number(o.overlap ?? '600');
  if (!Number.isInteger(overlapSeconds) || overlapSeconds < 0)
    throw new UsageError(`--overlap must be whole seconds >= 0, got "${o.overlap}"`);
  return { full: o.full ?? false, overlapSeconds, json: o.json ?? false };
}

/**
 * `usage-stats refresh`: recomputes the sessions and daily rollups the Grafana dashboards read.
 * Run it on a schedule (the Helm chart's CronJob, cron, a systemd timer): each run only redoes
 * what the rows stored since the previous run touch.
 */
export function refreshCommand(): Command {
  return new Command('refresh')
    .description('recompute analytics sessions and the daily report rollups the dashboards read')
    .option('--full', 'recompute everything (after changing POSTGRES_SESSION_HEARTBEAT_SECONDS or _GAP_FACTOR)')
    .option('--overlap <seconds>', 're-read rows stored this long before the previous run ended', '600')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nSession gaps are capped at POSTGRES_SESSION_HEARTBEAT_SECONDS × POSTGRES_SESSION_GAP_FACTOR.',
    )
    .action((o: { full?: boolean; overlap?: string; json?: boolean }) =>
      runAction(
        () => parse(o),
        async (args, ctx) => {
          const pg = ctx.config.postgres;
          const pool = createPostgresPool(pg, 'usage-stats-cli');
          pool.on('error', () => undefined);
          try {
            const started = Date.now();
            const r = await refreshRollups(pool, sessionGapCap(pg), {
              full: args.full,
              overlapSeconds: args.overlapSeconds,
            });
            const ms = Date.now() - started;
            process.stdout.write(
              args.json
                ? `${JSON.stringify({ ...r, full: args.full, ms })}\n`
                : `${pg.host}:${pg.port}/${pg.database}: ${r.sessions} sessions, ${r.reportDays} instance-days, ` +
                    `${r.metricDays} metric-days, ${r.instances} instances refreshed in ${ms} ms (gap cap ${r.gapCapSeconds} s)\n`,
            );
          } finally {
            await pool.end().catch(() => undefined);
          }
        },
      ),
    );
}
