import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, Config } from '@app/config';
import { AnalyticsEvent, BatchItem, EventKind, normalizeAnalyticsEvent } from '@app/contracts';
import { RequestContext } from '../http/request-context';
import { ParsedItem, isNdjson, parseBatch } from '../parsing/batch-body';
import { readBody } from '../parsing/json-body';
import { itemPayloadBytes } from '../parsing/payload-spans';
import { PayloadValidator } from '../parsing/payload-validator';
import { IngestService, PreparedItem } from './ingest.service';

export type ItemResult =
  | { index: number; id: string; status: 'accepted' | 'skipped'; reason?: string }
  | { index: number; status: 'rejected'; reason: string };

export interface BatchResponse {
  accepted: number;
  rejected: number;
  skipped: number;
  results: ItemResult[];
}

type Outcome = { result: ItemResult; prepared?: PreparedItem };

/**
 * POST /api/v1/ingest. Every item is judged on its own: valid items are published together
 * (one Kafka acknowledgement for the request), invalid ones are reported by index and reason.
 */
@Injectable()
export class BatchService {
  constructor(
    @Inject(CONFIG) private readonly config: Config,
    private readonly validator: PayloadValidator,
    private readonly ingest: IngestService,
  ) {}

  async accept(body: Buffer | undefined, ctx: RequestContext): Promise<{ status: number; body: BatchResponse }> {
    const { app, ingest } = this.config;
    const limits = { maxBytes: app.maxPayloadBytes, maxDepth: ingest.jsonMaxDepth };
    const { text, bytes } = await readBody(body, ctx.contentEncoding, limits);
    const ndjson = isNdjson(ctx.contentType);
    const batch = parseBatch(text, ndjson, ingest.jsonMaxDepth, ingest.batchMaxItems);
    let outcomes: Outcome[];
    if (batch.single) {
      outcomes = [this.judge({ kind: 'usage_report', payload: batch.value }, 0, ctx, bytes)];
    } else {
      // Items of a JSON array keep their bytes too; NDJSON lines are re-serialised.
      const payloads = ndjson ? [] : itemPayloadBytes(text, bytes, batch.items);
      outcomes = batch.items.map((item, index) => this.judgeParsed(item, index, ctx, payloads[index]));
    }
    const prepared = outcomes.flatMap((o) => (o.prepared ? [o.prepared] : []));
    if (prepared.length > 0) await this.ingest.publish(prepared);
    const results = outcomes.map((o) => o.result);
    const count = (status: ItemResult['status']) => results.filter((r) => r.status === status).length;
    const response = { accepted: count('accepted'), rejected: count('rejected'), skipped: count('skipped'), results };
    const status = response.rejected === 0 ? 200 : response.rejected === results.length ? 400 : 207;
    return { status, body: response };
  }

  private judgeParsed(item: ParsedItem, index: number, ctx: RequestContext, payloadJson?: Buffer): Outcome {
    if (!item.ok) return this.reject(index, item.reason, 'unknown');
    const check = this.validator.item(item.value);
    if (!check.ok) return this.reject(index, check.reason, 'unknown');
    return this.judge(item.value as BatchItem, index, ctx, payloadJson);
  }

  /** `payloadJson`: the item's payload as its client's bytes, when the route has them (analytics are normalized). */
  private judge(given: BatchItem, index: number, ctx: RequestContext, payloadJson?: Buffer): Outcome {
    const item =
      given.kind === 'analytics' ? ({ ...given, payload: normalizeAnalyticsEvent(given.payload) } as BatchItem) : given;
    const check = this.validator.payload(item.kind, item.payload);
    if (!check.ok) return this.reject(index, `payload: ${check.reason}`, item.kind);
    const { kind, payload } = item;
    const json = kind === 'analytics' ? undefined : payloadJson;
    const prepared = this.ingest.prepare({ kind, payload, index, clientId: item.id, payloadJson: json }, ctx);
    if (item.kind === 'analytics' && (item.payload as unknown as AnalyticsEvent).dashboard?.uid === 'new') {
      this.ingest.countSkipped(item.kind);
      return { result: { index, id: prepared.id, status: 'skipped', reason: 'unsaved dashboard (uid "new")' } };
    }
    return { result: { index, id: prepared.id, status: 'accepted' }, prepared };
  }

  private reject(index: number, reason: string, kind: EventKind | 'unknown'): Outcome {
    this.ingest.countRejected(kind);
    return { result: { index, status: 'rejected', reason } };
  }
}
