import { Command } from 'commander';
import type { TopicReport } from '@app/kafka/admin';
import { runAction } from '../cli-runner';
import { table } from '../output/format';

/** `usage-stats topics`: create missing topics, verify existing ones (for KAFKA_PROVISION_TOPICS=false deployments). */
export function topicsCommand(): Command {
  return new Command('topics')
    .description('create the events, dead-letter and recovery topics if missing, and verify the existing ones')
    .option('--strict', 'exit 1 when an existing topic differs from the configuration')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      '\nPartitions of an existing topic are never changed (it would move keys); differences are reported.',
    )
    .action((o: { strict?: boolean; json?: boolean }) =>
      runAction(
        () => o,
        async (_args, ctx) => {
          const admin = await ctx.admin();
          const reports: TopicReport[] = [
            ...(await admin.ensureTopics(ctx.config.kafka)),
            await admin.ensureRecoveryTopic(ctx.config.kafka),
          ];
          if (o.json) {
            process.stdout.write(`${JSON.stringify(reports)}\n`);
          } else {
            process.stdout.write(
              `${table(
                ['topic', 'action', 'partitions'],
                reports.map((r) => [r.topic, r.action, String(r.partitions)]),
              )}\n`,
            );
            for (const r of reports) for (const w of r.warnings) process.stderr.write(`warning: ${r.topic}: ${w}\n`);
          }
          return o.strict && reports.some((r) => r.warnings.length > 0) ? 1 : 0;
        },
      ),
    );
}
