import { Command } from 'commander';
import { parsePositiveInt } from '../args/parse-args';
import { UsageError } from '../cli-errors';
import { runAction } from '../cli-runner';
import { TargetResult } from '../collect/collect-round';
import { exitCodeOf, renderSummary } from '../collect/collect-summary';
import { CollectArgs, Collector } from '../collect/collector';
import { parseDuration } from '../collect/duration';

interface CollectOptions {
  targets: string;
  every?: string;
  concurrency?: string;
  timeout: string;
  json?: boolean;
}

const MIN_EVERY_MS = 1_000;

export function parseCollectArgs(o: CollectOptions): CollectArgs {
  const timeoutMs = parseDuration(o.timeout);
  if (timeoutMs === undefined) {
    throw new UsageError(`--timeout ${JSON.stringify(o.timeout)}: expected a duration such as 10s`);
  }
  let everyMs: number | undefined;
  if (o.every !== undefined) {
    everyMs = parseDuration(o.every);
    if (everyMs === undefined || everyMs < MIN_EVERY_MS) {
      throw new UsageError(`--every ${JSON.stringify(o.every)}: expected a duration of at least 1s, such as 24h`);
    }
  }
  const concurrency = parsePositiveInt(o.concurrency, '--concurrency') ?? 4;
  return { targetsPath: o.targets, everyMs, concurrency, timeoutMs };
}

/** `usage-stats collect`: the pull path for Grafana fleets (docs/operations.md). */
export function collectCommand(): Command {
  return new Command('collect')
    .description("pull each Grafana's usage report (/api/admin/usage-report-preview), publish it as if pushed")
    .requiredOption('--targets <file>', 'YAML file of Grafana URLs and service-account tokens')
    .option('--every <duration>', 'keep running: a round every <duration> (e.g. 24h) until SIGTERM')
    .option('--concurrency <n>', 'targets polled at once (the file\'s "concurrency" wins)')
    .option('--timeout <duration>', 'per-target bound on the whole request (a target\'s "timeout" wins)', '10s')
    .option('--json', 'print the results as JSON (one line per round)')
    .addHelpText(
      'after',
      `
Outcomes: ok, timeout, unauthorized (401), forbidden (403), http_error, invalid_report, unreachable,
no_token, publish_failed. A failed target never stops the others. Exit codes (one round): 0 every
target collected, 1 at least one failed, 2 bad arguments or targets file. With --every: 0 after SIGTERM.`,
    )
    .action((o: CollectOptions) =>
      runAction(
        () => parseCollectArgs(o),
        async (args, ctx, signal) => {
          const collector = new Collector(ctx, args);
          const print = (results: TargetResult[]) => {
            process.stdout.write(`${o.json ? JSON.stringify(results) : renderSummary(results)}\n`);
          };
          if (args.everyMs !== undefined) {
            await collector.run(args.everyMs, signal, print);
            return 0;
          }
          const results = await collector.round(await collector.loadTargets());
          print(results);
          return exitCodeOf(results);
        },
      ),
    );
}
