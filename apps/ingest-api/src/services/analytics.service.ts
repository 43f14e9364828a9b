import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, Config } from '@app/config';
import { AnalyticsEvent, normalizeAnalyticsEvent } from '@app/contracts';
import { ApiError } from '../http/api-exception.filter';
import { RequestContext } from '../http/request-context';
import { readJson } from '../parsing/json-body';
import { PayloadValidator } from '../parsing/payload-validator';
import { IngestService } from './ingest.service';

/** Dashboards not saved yet all share uid "new"; the reference server ignores them. */
const UNSAVED_DASHBOARD_UID = 'new';

/**
 * The analytics panel's events (POST /write): JSON whatever the Content-Type claims, read as
 * leniently as the panel's reference server (normalizeAnalyticsEvent).
 */
@Injectable()
export class AnalyticsService {
  constructor(
    @Inject(CONFIG) private readonly config: Config,
    private readonly validator: PayloadValidator,
    private readonly ingest: IngestService,
  ) {}

  /** The event id, or undefined when the event is skipped. */
  async accept(body: Buffer | undefined, ctx: RequestContext): Promise<string | undefined> {
    const limits = { maxBytes: this.config.app.maxPayloadBytes, maxDepth: this.config.ingest.jsonMaxDepth };
    const event = normalizeAnalyticsEvent(await readJson(body, ctx.contentEncoding, limits));
    const check = this.validator.payload('analytics', event);
    if (!check.ok) {
      this.ingest.countRejected('analytics');
      throw new ApiError(400, { message: `invalid analytics event: ${check.reason}` });
    }
    if ((event as AnalyticsEvent).dashboard?.uid === UNSAVED_DASHBOARD_UID) {
      this.ingest.countSkipped('analytics');
      return undefined;
    }
    return this.ingest.publishOne({ kind: 'analytics', payload: event }, ctx);
  }
}
