import { Command } from 'commander';
import { parseTime } from '../args/parse-time';
import { EXIT } from '../cli-errors';
import { runAction } from '../cli-runner';
import { LedgerReport, LedgerService, StoreLedger } from '../ledger/ledger.service';
import { count, isoTime, table } from '../output/format';

const reasons = (by: Record<string, number>) =>
  Object.entries(by)
    .map(([k, n]) => `${k}=${n}`)
    .join(' ');

function renderStore(s: StoreLedger): string {
  const state = s.caughtUp
    ? 'caught up'
    : `NOT caught up: ${count(s.behind)} message(s) of the window not committed yet, so "unaccounted" includes events in flight`;
  const rows = s.rows.map((r) => [
    r.route,
    r.keyId,
    r.kind,
    count(r.acknowledged),
    count(r.written),
    count(r.deduplicated),
    count(r.dropped),
    count(r.deadLettered),
    count(r.unaccounted),
    [reasons(r.droppedBy), reasons(r.deadLetteredBy)].filter(Boolean).join(' '),
  ]);
  const lines = [
    `store ${s.store} (group ${s.group}): ${state}`,
    table(
      [
        'route',
        'key',
        'kind',
        'acknowledged',
        'written',
        'deduplicated',
        'dropped',
        'dead-lettered',
        'unaccounted',
        'reasons',
      ],
      rows,
    ),
  ];
  for (const u of s.unaccounted)
    lines.push(`  unaccounted: partition ${u.partition} offset ${u.offset} ${u.kind} ${u.eventId ?? '(no event id)'}`);
  return lines.join('\n');
}

export function renderLedger(r: LedgerReport): string {
  return [`events topic ${r.topic} since ${isoTime(r.sinceMs)}`, ...r.stores.map(renderStore)].join('\n\n');
}

/** "24h" is read as "-24h": the window reaches back from now. */
const sinceOf = (input: string) => parseTime(/^\d/.test(input.trim()) ? `-${input.trim()}` : input, '--since');

export function ledgerCommand(): Command {
  return new Command('ledger')
    .description(
      'account for every event the API acknowledged since a time: written, deduplicated, dropped by a rule, ' +
        'dead-lettered, or unaccounted, per source, kind and store',
    )
    .option('--since <time>', 'start of the window: 24h, -30m, 7d or an ISO-8601 time', '24h')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Reads the events topic (headers and envelopes), the dead-letter topic and the store; not the
metrics, which restart with their process. Dropped re-evaluates today's CONFIG_FILE rules.
Exits 1 when a caught-up store has unaccounted events. See docs/operations.md ("The delivery ledger").`,
    )
    .action((o: { since: string; json?: boolean }) =>
      runAction(
        () => sinceOf(o.since),
        async (sinceMs, ctx) => {
          const report = await new LedgerService(ctx).report(sinceMs);
          process.stdout.write(`${o.json ? JSON.stringify(report) : renderLedger(report)}\n`);
          const lost = report.stores.some((s) => s.caughtUp && s.totals.unaccounted > 0);
          return lost ? EXIT.failed : EXIT.ok;
        },
      ),
    );
}
