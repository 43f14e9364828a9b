import { Anonymizer, fieldListsFrom, truncateIp } from '@app/anonymizer';
import { Command } from 'commander';
import { UsageError } from '../cli-errors';
import { runAction } from '../cli-runner';
import { table } from '../output/format';

interface Row {
  value: string;
  keyId: string;
  current: boolean;
  pseudonym: string;
}

/**
 * `usage-stats pseudonym`: what a known identifier became under each ANONYMIZATION_KEY, to find
 * its rows, to join rows across a key rotation (docs/privacy.md), or to find a request whose
 * non-opaque correlation id a client reports (stored as `h-` + its pseudonym).
 */
export function pseudonymCommand(): Command {
  return new Command('pseudonym')
    .description('the pseudonym of each given identifier under every configured anonymization key (current first)')
    .argument(
      '<value...>',
      'identifiers as the client sent them (a host name, a usageStatsId, a user id, a correlation id)',
    )
    .option('--ip', 'the values are client addresses: truncated to their network first, as source.ip is')
    .option('--json', 'print JSON')
    .action((values: string[], o: { ip?: boolean; json?: boolean }) =>
      runAction(
        () => values,
        async (args, ctx) => {
          const keys = ctx.config.anonymizer.keys;
          if (keys.length === 0) throw new UsageError('ANONYMIZATION_KEY is not set');
          const anonymizer = new Anonymizer(keys, fieldListsFrom());
          const rows: Row[] = args.flatMap((value) => {
            const input = o.ip ? truncateIp(value) : value;
            if (input === undefined) throw new UsageError(`--ip: ${value} is not an IP address`);
            return Object.entries(anonymizer.hashUnderEveryKey(input)).map(([keyId, pseudonym]) => ({
              value,
              keyId,
              current: keyId === anonymizer.keyId,
              pseudonym,
            }));
          });
          process.stdout.write(
            o.json
              ? `${JSON.stringify(rows)}\n`
              : `${table(
                  ['value', 'key id', 'pseudonym'],
                  rows.map((r) => [r.value, `${r.keyId}${r.current ? ' (current)' : ''}`, r.pseudonym]),
                )}\n`,
          );
        },
      ),
    );
}
