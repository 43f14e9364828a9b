import { Command } from 'commander';
import { runAction } from '../cli-runner';
import { count, duration, isoTime, table } from '../output/format';
import { GroupStatus, StatusReport, StatusService } from '../status/status.service';
import { renderHeld } from '../dlq/guard-release';

function groupRow(g: GroupStatus): string[] {
  if (g.role === 'replay') {
    const r = g.replay!;
    const note = g.members > 0 ? 'running' : 'interrupted: rerun the same replay command to resume';
    return [
      g.group,
      'replay',
      g.state,
      `${count(g.lagMessages)} left of ${count(r.total)}`,
      '-',
      `${r.from} .. ${r.to}, ${note}`,
    ];
  }
  const seconds = g.lagSeconds === undefined ? '?' : duration(g.lagSeconds * 1_000);
  return [
    g.group,
    'live',
    g.state,
    count(g.lagMessages),
    seconds,
    g.members > 0 ? `${g.members} member(s)` : 'no consumer running',
  ];
}

export function renderStatus(s: StatusReport, now = Date.now()): string {
  const r = s.retention;
  const ago = (ms?: number) => (ms === undefined ? '' : ` (${duration(now - ms)} ago)`);
  const retention = r.retentionMs === undefined ? 'infinite' : duration(r.retentionMs);
  return [
    `events topic ${s.topic}: ${s.partitions} partitions, ${count(r.messages)} messages retained, retention ${retention}`,
    `oldest retained event: ${isoTime(r.oldestRetainedMs)}${ago(r.oldestRetainedMs)}; a replay can reach back to ` +
      (r.reachBackMs === undefined ? 'the oldest event' : `${isoTime(r.reachBackMs)}${ago(r.reachBackMs)}`),
    `dead letters: ${count(s.deadLetters)} (see \`usage-stats dlq list\`)`,
    s.held === undefined
      ? 'held by the dead-letter guard: unknown (Redis not reachable or off)'
      : renderHeld(s.held, now),
    '',
    table(['group', 'role', 'state', 'lag (messages)', 'lag (time)', 'note'], s.groups.map(groupRow)),
  ].join('\n');
}

export function statusCommand(): Command {
  return new Command('status')
    .description(
      'lag of every consumer group on the events topic (live stores, replays) in messages and seconds, and how far back a replay can reach',
    )
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
lag (time) is the age of the oldest message a group has not consumed yet. A replay's lag is what
is left of its range; an interrupted replay stays listed until it is rerun to completion.`,
    )
    .action((o: { json?: boolean }) =>
      runAction(
        () => o,
        async (_args, ctx) => {
          const report = await new StatusService(ctx).report();
          process.stdout.write(`${o.json ? JSON.stringify(report) : renderStatus(report)}\n`);
        },
      ),
    );
}
