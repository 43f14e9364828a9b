import { Command } from 'commander';
import { EVENT_KINDS } from '@app/contracts';
import { parseKinds, parsePositiveInt, parseStore } from '../args/parse-args';
import { parseRange } from '../args/parse-time';
import { runAction } from '../cli-runner';
import { renderSummary } from '../replay/replay-report';
import { ReplayService } from '../replay/replay.service';

interface ReplayOptions {
  from: string;
  to?: string;
  kind?: string[];
  store?: string;
  dryRun?: boolean;
  maxRate?: string;
  json?: boolean;
}

const EXAMPLES = `
Examples:
  $ usage-stats replay --from -2h                         the last two hours, all kinds
  $ usage-stats replay --from 2024-05-01 --to 2024-05-02 --kind analytics --max-rate 500
  $ usage-stats replay --from -7d --dry-run               what a week's backfill would do

The range's offsets are captured at start (later events are not part of it). Each event goes
through today's CONFIG_FILE rules and anonymizer and replaces the stored row of its event id.
Interrupted (Ctrl-C, a crash), the same command resumes where it stopped.`;

export function replayCommand(): Command {
  return new Command('replay')
    .description(
      "re-run a time range of the events topic through today's rules into a store (replace semantics, resumable)",
    )
    .requiredOption(
      '--from <time>',
      'start: ISO-8601 (2024-05-01T12:00:00Z, UTC without a zone) or relative (-30m, -2h, -7d)',
    )
    .option('--to <time>', 'end, exclusive (default: now)')
    .option('--kind <kinds...>', `only these kinds: ${EVENT_KINDS.join(', ')} (comma-separated or repeated)`)
    .option('--store <type>', 'store to write (default: the one in STORAGE_TYPE)')
    .option('--dry-run', 'process the range but write nothing: report what would be written, dropped, dead-lettered')
    .option('--max-rate <events/s>', 'at most this many events per second, leaving the store room for live traffic')
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', EXAMPLES)
    .action((o: ReplayOptions) =>
      runAction(
        () => {
          const now = Date.now();
          return {
            from: o.from,
            to: o.to,
            ...parseRange(o.from, o.to, now),
            now,
            kinds: parseKinds(o.kind),
            dryRun: o.dryRun === true,
            maxRate: parsePositiveInt(o.maxRate, '--max-rate'),
          };
        },
        async (args, ctx, signal) => {
          const request = { ...args, store: parseStore(o.store, ctx.config.worker.storageTypes) };
          const service = new ReplayService(ctx);
          try {
            const summary = await service.run(request, signal);
            process.stdout.write(`${o.json ? JSON.stringify(summary) : renderSummary(summary)}\n`);
          } catch (err) {
            if (service.started && !request.dryRun)
              process.stderr.write('the replay stopped: run the same command again to resume where it stopped\n');
            throw err;
          }
        },
      ),
    );
}
