import { readFile } from 'node:fs/promises';
import { EdgeTransform, PayloadValidator } from '@app/contracts';
import { edgeTransformFor } from '@app/pipeline';
import { createLogger, Logger } from '@app/observability';
import { CliContext } from '../cli-context';
import { UsageError } from '../cli-errors';
import { collectRound, TargetResult } from './collect-round';
import { fetchReport } from './grafana-client';
import { ReportPublisher } from './report-publisher';
import { delayUntilNextRound, pause } from './schedule';
import { parseTargetsFile, TargetsFile } from './targets-file';
import { resolveToken } from './token-source';

export interface CollectArgs {
  targetsPath: string;
  /** Long-running mode: a round every so often until SIGTERM; one round otherwise. */
  everyMs?: number;
  concurrency: number;
  timeoutMs: number;
}

/** `usage-stats collect`: pulls each Grafana's usage report and publishes it as the API would a pushed one. */
export class Collector {
  readonly logger: Logger;
  private publisher?: ReportPublisher;
  private readonly validator = new PayloadValidator();
  private readonly edge: EdgeTransform | undefined;

  constructor(
    private readonly ctx: CliContext,
    private readonly args: CollectArgs,
  ) {
    const { app } = ctx.config;
    const options = { level: app.logLevel, format: app.logFormat, name: 'usage-stats-collect' };
    this.logger = createLogger(options, process.stderr);
    this.edge = edgeTransformFor(ctx.config);
  }

  /** Reads and checks the targets file; every problem in one UsageError (exit 2). */
  async loadTargets(): Promise<TargetsFile> {
    let text: string;
    try {
      text = await readFile(this.args.targetsPath, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new UsageError(`--targets ${this.args.targetsPath}: ${code}`);
    }
    const parsed = parseTargetsFile(text, { timeoutMs: this.args.timeoutMs, concurrency: this.args.concurrency });
    if (!parsed.ok) throw new UsageError(`${this.args.targetsPath}: ${parsed.errors.join('; ')}`);
    return parsed.file;
  }

  async round(file: TargetsFile): Promise<TargetResult[]> {
    const { app, ingest } = this.ctx.config;
    const results = await collectRound(file, {
      fetch: fetchReport,
      // Connected for the first report to go out (failures alone never touch Kafka), then kept.
      publish: (message) => (this.publisher ??= new ReportPublisher(this.ctx, this.logger)).publish(message),
      token: (source) => resolveToken(source, this.ctx.env),
      validator: this.validator,
      edge: this.edge,
      limits: { maxBytes: app.maxPayloadBytes, maxDepth: ingest.jsonMaxDepth },
      logger: this.logger,
    });
    const failed = results.filter((r) => r.outcome !== 'ok').length;
    this.logger.info({ targets: results.length, collected: results.length - failed, failed }, 'collect round done');
    return results;
  }

  /**
   * Rounds until the signal: the targets file is re-read before each (edits and rotated
   * tokens apply without a restart; a broken edit keeps the last good list and says so).
   */
  async run(everyMs: number, signal: AbortSignal, onRound: (results: TargetResult[]) => void): Promise<void> {
    let file = await this.loadTargets();
    while (!signal.aborted) {
      const startedAt = Date.now();
      file = await this.loadTargets().catch((err: Error) => {
        this.logger.error({ err: err.message }, 'targets file invalid; keeping the previous targets');
        return file;
      });
      onRound(await this.round(file));
      const delay = delayUntilNextRound(startedAt, Date.now(), everyMs);
      this.logger.info({ nextRoundAt: new Date(Date.now() + delay).toISOString() }, 'next collect round scheduled');
      await pause(delay, signal);
    }
  }
}
