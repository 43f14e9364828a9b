import { ConfigError } from '@app/config';
import type { CliContext } from '../cli-context';
import { UsageError } from '../cli-errors';
import { TimestampPeeker } from '@app/kafka/admin';
import { loadPipelineSettings, PipelineSettings } from '@app/pipeline';
import { ProgressReporter } from './progress';
import { ReplayJob } from './replay-job';
import { planReplay, ReplayPlan, ReplayRequest } from './replay-plan';
import type { ReplaySummary } from './replay-report';

/** `usage-stats replay`: plan the range (or find an interrupted run's), then run it. */
export class ReplayService {
  /** True once the replay began reading (a failure from then on leaves a resumable position). */
  started = false;

  constructor(
    private readonly ctx: CliContext,
    private readonly progress = new ProgressReporter(),
  ) {}

  async run(request: ReplayRequest, signal: AbortSignal): Promise<ReplaySummary> {
    const settings = this.settings();
    const plan = await this.plan(request);
    this.ctx.logger.info(
      {
        group: plan.groupId,
        from: new Date(plan.fromMs).toISOString(),
        to: new Date(plan.toMs).toISOString(),
        messages: plan.total,
        alreadyDone: plan.before,
        resumed: plan.resumed,
        dryRun: request.dryRun,
      },
      plan.resumed ? 'resuming an interrupted replay' : 'replay planned',
    );
    this.started = true;
    return (await ReplayJob.create(this.ctx, request, plan, settings, this.progress, signal)).run();
  }

  /** The CONFIG_FILE the worker runs with; a broken one is a usage error, found before anything is read. */
  private settings(): PipelineSettings {
    try {
      return loadPipelineSettings(this.ctx.config);
    } catch (err) {
      if (err instanceof ConfigError) throw new UsageError(err.message);
      throw err;
    }
  }

  private async plan(request: ReplayRequest): Promise<ReplayPlan> {
    const peeker = new TimestampPeeker(
      this.ctx.kafka,
      this.ctx.config.kafka.topic,
      this.ctx.groupName('peek'),
      this.ctx.logger,
    );
    try {
      return await planReplay(this.ctx, request, peeker);
    } finally {
      await peeker.close();
    }
  }
}
