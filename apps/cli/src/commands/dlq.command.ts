import { Command } from 'commander';
import { ConfigError } from '@app/config';
import { letterKey } from '@app/kafka/admin';
import { parsePosition, parsePositiveInt, parseStore } from '../args/parse-args';
import { parseTime } from '../args/parse-time';
import type { CliContext } from '../cli-context';
import { UsageError } from '../cli-errors';
import { runAction } from '../cli-runner';
import { statusOf } from '../dlq/dead-letter-view';
import { groupLetters, renderGroups } from '../dlq/dlq-list';
import { guardHolds, releaseHeld, renderRelease } from '../dlq/guard-release';
import { DlqReplayService, DlqReplaySummary } from '../dlq/dlq-replay.service';
import { readDeadLetter, readDeadLetters, readRecoveries } from '../dlq/dlq-reader';
import { sealOf, withRawContent } from '../dlq/dlq-raw';
import { letterDetails, renderLetter } from '../dlq/dlq-show';
import { count, table } from '../output/format';
import { loadPipelineSettings } from '@app/pipeline';

const DEFAULT_MAX_ATTEMPTS = '3';
const reasonsOf = (values?: string[]) =>
  values?.length
    ? values
        .flatMap((v) => v.split(','))
        .map((v) => v.trim())
        .filter(Boolean)
    : undefined;
const sinceOf = (since?: string) => (since === undefined ? undefined : parseTime(since, '--since'));
const maxAttemptsOf = (value: string) => parsePositiveInt(value, '--max-attempts')!;

interface ListOptions {
  reason?: string[];
  since?: string;
  entries?: boolean;
  maxAttempts: string;
  json?: boolean;
}
interface ReplayOptions {
  reason?: string[];
  since?: string;
  store?: string;
  maxAttempts: string;
  json?: boolean;
}

function listCommand(): Command {
  return new Command('list')
    .description(
      'dead letters grouped by reason and stage, with counts: pending, recovered, dropped, failed again, exhausted',
    )
    .option('--reason <codes...>', 'only these reasons (e.g. invalid_json store_rejected)')
    .option('--since <time>', 'only letters dead-lettered since then: ISO-8601 or relative (-1d)')
    .option('--entries', 'also list every letter with its position (for `dlq show`)')
    .option('--max-attempts <n>', 'attempts after which a letter counts as exhausted', DEFAULT_MAX_ATTEMPTS)
    .option('--json', 'print JSON')
    .action((o: ListOptions) =>
      runAction(
        () => ({ reasons: reasonsOf(o.reason), sinceMs: sinceOf(o.since), maxAttempts: maxAttemptsOf(o.maxAttempts) }),
        async (args, ctx) => {
          const [letters, recoveries] = await Promise.all([readDeadLetters(ctx, args.sinceMs), readRecoveries(ctx)]);
          const chosen = letters.filter((l) => !args.reasons || args.reasons.includes(l.reason));
          const { groups, entries } = groupLetters(chosen, recoveries, args.maxAttempts);
          const topic = ctx.config.kafka.deadLetterTopic;
          const shown = o.entries ? entries : undefined;
          const text = o.json ? JSON.stringify({ topic, groups, entries: shown }) : renderGroups(topic, groups, shown);
          process.stdout.write(`${text}\n`);
        },
      ),
    );
}

function showCommand(): Command {
  return new Command('show')
    .description(
      'one dead letter: reason, stage, detail, every header and the payload pretty-printed (secrets redacted; anonymized unless --raw)',
    )
    .argument('<partition:offset>', 'its position in the dead-letter topic, as `dlq list --entries` shows it')
    .option('--max-attempts <n>', 'attempts after which a letter counts as exhausted', DEFAULT_MAX_ATTEMPTS)
    .option(
      '--raw',
      'open the sealed raw bytes, key and detail with DLQ_ENCRYPTION_KEY (personal data: handle with care)',
    )
    .option('--json', 'print JSON')
    .action((position: string, o: { maxAttempts: string; json?: boolean; raw?: boolean }) =>
      runAction(
        () => ({ ...parsePosition(position), maxAttempts: maxAttemptsOf(o.maxAttempts) }),
        async (args, ctx) => {
          const seal = sealOf(ctx.config.anonymizer.dlqEncryptionKeys);
          if (o.raw && !seal) throw new UsageError('--raw needs DLQ_ENCRYPTION_KEY (the key that sealed the letters)');
          const stored = await readDeadLetter(ctx, args.partition, args.offset);
          if (!stored) {
            process.stderr.write(`error: no dead letter at ${position} in ${ctx.config.kafka.deadLetterTopic}\n`);
            return 1;
          }
          const letter = o.raw ? withRawContent(stored, seal) : stored;
          const recoveries = await readRecoveries(ctx);
          const details = letterDetails(
            letter,
            statusOf(letter, recoveries, args.maxAttempts),
            recoveries.get(letterKey(letter.partition, letter.offset)),
          );
          process.stdout.write(`${o.json ? JSON.stringify(details) : renderLetter(details)}\n`);
        },
      ),
    );
}

function renderReplay(s: DlqReplaySummary): string {
  const head =
    `replayed ${count(s.considered - s.exhausted - s.noStore)} of ${count(s.considered)} pending dead letters: ` +
    `recovered ${count(s.recovered)}, dropped by rules ${count(s.dropped)}, failed again ${count(s.failedAgain)}, ` +
    `exhausted ${count(s.exhausted)}${s.noStore ? `, no store for ${count(s.noStore)}` : ''}`;
  const rows = Object.entries(s.byReason).map(([r, c]) => [
    r,
    count(c.recovered),
    count(c.dropped),
    count(c.failedAgain),
    count(c.exhausted),
  ]);
  return rows.length
    ? `${head}\n\n${table(['reason', 'recovered', 'dropped', 'failed again', 'exhausted'], rows)}`
    : head;
}

async function replay(
  ctx: CliContext,
  args: { reasons?: string[]; sinceMs?: number; maxAttempts: number },
  o: ReplayOptions,
  signal: AbortSignal,
): Promise<number> {
  let settings;
  try {
    settings = loadPipelineSettings(ctx.config);
  } catch (err) {
    throw err instanceof ConfigError ? new UsageError(err.message) : err;
  }
  const store = o.store === undefined ? undefined : parseStore(o.store, ctx.config.worker.storageTypes);
  const summary = await new DlqReplayService(ctx, settings, signal).run({ ...args, store });
  process.stdout.write(`${o.json ? JSON.stringify(summary) : renderReplay(summary)}\n`);
  return 0;
}

function replayCommand(): Command {
  return new Command('replay')
    .description(
      "re-process pending dead letters through today's rules into their store (insert mode); failures are dead-lettered again",
    )
    .option('--reason <codes...>', 'only letters with these reasons')
    .option('--since <time>', 'only letters dead-lettered since then')
    .option('--store <type>', 'only letters of this store (and the store for letters that name none)')
    .option('--max-attempts <n>', 'leave letters that have failed this many times alone', DEFAULT_MAX_ATTEMPTS)
    .option('--json', 'print the summary as JSON')
    .addHelpText(
      'after',
      `
Each outcome is recorded in the compacted topic <KAFKA_DEAD_LETTER_TOPIC>-recovered, so a letter
is replayed once and \`dlq list\` shows it recovered, dropped or failed again. A letter that fails
again becomes a new letter with header dlq-attempts + 1; at --max-attempts it is left alone.`,
    )
    .action((o: ReplayOptions) =>
      runAction(
        () => ({ reasons: reasonsOf(o.reason), sinceMs: sinceOf(o.since), maxAttempts: maxAttemptsOf(o.maxAttempts) }),
        (args, ctx, signal) => replay(ctx, args, o, signal),
      ),
    );
}

function releaseCommand(): Command {
  return new Command('release')
    .description('release partitions held by the mass dead-letter guard: their batch is dead-lettered, work goes on')
    .requiredOption('--group <group>', 'the group the worker logs and `status` show (usage-stats-worker-postgres)')
    .option('--partition <n>', 'only this partition (default: every held partition of the group)')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
The guard holds a batch when most of it would be dead-lettered before the consumer has stored
anything (a broken rule or store schema is likelier than that much poison). Fix the deployment
if that is the cause; release when the data really is bad. Needs the workers' Redis.`,
    )
    .action((o: { group: string; partition?: string; json?: boolean }) =>
      runAction(
        () => ({ group: o.group, partition: o.partition === undefined ? undefined : parsePartition(o.partition) }),
        async (args, ctx) => {
          const outcome = await releaseHeld(await guardHolds(ctx), args.group, args.partition);
          process.stdout.write(`${o.json ? JSON.stringify(outcome) : renderRelease(outcome, args.partition)}\n`);
          return outcome.released.length > 0 ? 0 : 1;
        },
      ),
    );
}

function parsePartition(value: string): number {
  if (!/^\d+$/.test(value.trim())) {
    throw new UsageError(`--partition ${JSON.stringify(value)}: must be a partition number (0 or more)`);
  }
  return Number(value);
}

export function dlqCommand(): Command {
  return new Command('dlq')
    .description('inspect and recover dead-lettered events')
    .addCommand(listCommand())
    .addCommand(showCommand())
    .addCommand(replayCommand())
    .addCommand(releaseCommand());
}
