import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, Config } from '@app/config';
import { MetricsPush } from '@app/contracts';
import { RequestContext } from '../http/request-context';
import { BodyError } from '../parsing/body-error';
import { decodeContent } from '../parsing/body-decoder';
import { inTurnIfLarge } from '../parsing/cpu-turns';
import { Family, checkStorable } from '../parsing/metric-families';
import { PayloadValidator } from '../parsing/payload-validator';
import { isDelimitedProtobuf, parsePrometheusProtobuf } from '../parsing/prometheus-protobuf.parser';
import { parsePrometheusText } from '../parsing/prometheus-text.parser';
import { parsePushPath } from '../parsing/push-path';
import { IngestService } from './ingest.service';
import { isGroupFailure } from './push-failure';

export type PushOp = MetricsPush['op'];

/** The Pushgateway API: a push (or a group's deletion) becomes one `metrics` event. */
@Injectable()
export class PushService {
  constructor(
    @Inject(CONFIG) private readonly config: Config,
    private readonly validator: PayloadValidator,
    private readonly ingest: IngestService,
  ) {}

  async accept(op: PushOp, url: string, body: Buffer | undefined, ctx: RequestContext): Promise<string> {
    const { job, grouping } = parsePushPath(url);
    for (const [label, value] of [['job', job], ...Object.entries(grouping)]) {
      checkStorable(value, `path value of "${label}"`);
    }
    const decoded =
      op === 'delete'
        ? undefined
        : await this.families(body, ctx).catch(async (err: unknown) => {
            if (isGroupFailure(err)) await this.recordFailure(job, grouping, body, ctx);
            throw err;
          });
    const families = decoded?.families ?? [];
    const push: MetricsPush = { op, job, grouping, families };
    const check = this.validator.payload('metrics', push);
    if (!check.ok) {
      this.ingest.countRejected('metrics');
      throw new BodyError(400, `invalid push: ${check.reason}`);
    }
    return this.ingest.publishOne({ kind: 'metrics', payload: push, contentDigest: decoded?.digest }, ctx);
  }

  /**
   * Publishes a `fail` event for a push refused for its content, so the stores set the group's
   * push_failure_time_seconds as the Pushgateway does. Best effort: the client gets its 400
   * either way (an unavailable broker is counted in the ingest metrics).
   */
  private async recordFailure(
    job: string,
    grouping: Record<string, string>,
    body: Buffer | undefined,
    ctx: RequestContext,
  ): Promise<void> {
    const push: MetricsPush = { op: 'fail', job, grouping, families: [] };
    if (!this.validator.payload('metrics', push).ok) return;
    // A retry of the same refused body within the minute is the same failure (same event id).
    const digest = createHash('sha256')
      .update('refused\0')
      .update(body ?? Buffer.alloc(0))
      .digest('hex');
    await this.ingest.publishOne({ kind: 'metrics', payload: push, contentDigest: digest }, ctx).catch(() => undefined);
  }

  private async families(
    body: Buffer | undefined,
    ctx: RequestContext,
  ): Promise<{ families: Family[]; digest?: string }> {
    if (!body || body.length === 0) return { families: [] };
    const max = this.config.ingest.pushMaxSamples;
    const bytes = await decodeContent(body, ctx.contentEncoding, this.config.app.maxPayloadBytes);
    const protobuf = isDelimitedProtobuf(ctx.contentType);
    // Flattened samples repeat their labels: bounded like the body itself.
    const maxBytes = this.config.app.maxPayloadBytes;
    // A small push is handled at once; a large one (a bomb expands here) takes turns (cpu-turns.ts).
    const families = protobuf
      ? await inTurnIfLarge(bytes.length, () => parsePrometheusProtobuf(bytes, max, maxBytes))
      : await inTurnIfLarge(bytes.length, () => parsePrometheusText(bytes, { maxSamples: max, maxBytes }));
    // The format is part of the digest: the same samples as text and as protobuf are different bytes anyway.
    const format = protobuf ? 'protobuf\0' : 'text\0';
    const digest = await inTurnIfLarge(bytes.length, () =>
      createHash('sha256').update(format).update(bytes).digest('hex'),
    );
    return { families, digest };
  }
}
