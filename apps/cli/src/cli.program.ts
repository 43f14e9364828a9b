import { Command, CommanderError } from 'commander';
import { EXIT } from './cli-errors';
import { collectCommand } from './commands/collect.command';
import { dlqCommand } from './commands/dlq.command';
import { ledgerCommand } from './commands/ledger.command';
import { migrateCommand } from './commands/migrate.command';
import { pseudonymCommand } from './commands/pseudonym.command';
import { refreshCommand } from './commands/refresh.command';
import { replayCommand } from './commands/replay.command';
import { statusCommand } from './commands/status.command';
import { topicsCommand } from './commands/topics.command';

const FOOTER = `
Configuration comes from the same environment as the worker (KAFKA_*, POSTGRES_*, STORAGE_TYPE,
CONFIG_FILE, ...). Exit codes: 0 done, 1 failed, 2 bad arguments or configuration.
See docs/operations.md.`;

/** The `usage-stats` command line: every subcommand with --help; parse errors exit 2. */
export function buildProgram(): Command {
  const program = new Command('usage-stats')
    .description(
      'operate usage-stats-handler: backfills, dead letters, lag, the delivery ledger, migrations, topics, ' +
        'collecting Grafana reports, pseudonyms, rollups',
    )
    .addHelpText('after', FOOTER);
  const commands = [
    replayCommand(),
    dlqCommand(),
    statusCommand(),
    ledgerCommand(),
    migrateCommand(),
    topicsCommand(),
    collectCommand(),
    pseudonymCommand(),
    refreshCommand(),
  ];
  for (const command of commands) {
    program.addCommand(command);
  }
  return strict(program);
}

/** Commands built apart do not inherit settings: every level throws instead of exiting, and hints at --help. */
function strict(command: Command): Command {
  command.exitOverride().showHelpAfterError('(add --help for usage)');
  for (const sub of command.commands) strict(sub);
  return command;
}

/** The exit code for an error commander raised while parsing (help and version are not failures). */
export function exitCodeOf(err: CommanderError): number {
  if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT.ok;
  return EXIT.usage;
}
