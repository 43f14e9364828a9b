import { Injectable } from '@nestjs/common';
import { ENVELOPE_VERSION, Envelope, EventKind, HEADERS, encodeEnvelope, eventIdFor, instanceKeyFor } from '@app/contracts';
import { OutgoingMessage } from '@app/kafka';
import { RequestContext } from '../http/request-context';
import { EventPublisher } from '../kafka/event-publisher.service';
import { IngestMetrics } from '../metrics/ingest.metrics';

export interface IngestItem {
  kind: EventKind;
  /** Already validated against the kind's schema. */
  payload: unknown;
  /** Position in a batch (makes one Idempotency-Key cover a whole batch). */
  index?: number;
  /** The client's own id for the item. */
  clientId?: string;
  /** Digest of the item's decoded bytes, when the route has them (see IdContext.contentDigest). */
  contentDigest?: string;
}

export interface PreparedItem {
  id: string;
  kind: EventKind;
  message: OutgoingMessage;
}

/** Wraps accepted items in their envelope (once, here) and hands them to Kafka. */
@Injectable()
export class IngestService {
  constructor(private readonly publisher: EventPublisher, private readonly metrics: IngestMetrics) {}

  prepare(item: IngestItem, ctx: RequestContext): PreparedItem {
    const id = eventIdFor(item.kind, item.payload, {
      receivedAt: ctx.receivedAt,
      idempotencyKey: ctx.idempotencyKey,
      index: item.index,
      clientIp: ctx.ip,
      clientId: item.clientId,
      tenant: ctx.apiKeyId,
      contentDigest: item.contentDigest,
    });
    const envelope = {
      v: ENVELOPE_VERSION,
      id,
      kind: item.kind,
      receivedAt: ctx.receivedAt,
      correlationId: ctx.correlationId,
      source: { route: ctx.route, apiKeyId: ctx.apiKeyId, ip: ctx.ip, userAgent: ctx.userAgent },
      payload: item.payload,
    } as Envelope;
    const headers = { [HEADERS.correlationId]: ctx.correlationId, [HEADERS.kind]: item.kind, [HEADERS.eventId]: id, [HEADERS.version]: String(ENVELOPE_VERSION) };
    return { id, kind: item.kind, message: { key: instanceKeyFor(item.kind, item.payload, id), value: encodeEnvelope(envelope), headers } };
  }

  /** Resolves once Kafka acknowledged every item; rejects (KafkaUnavailableError) with none of them acknowledged to the client. */
  async publish(items: PreparedItem[]): Promise<void> {
    try {
      await this.publisher.publish(items.map((i) => i.message));
    } catch (err) {
      items.forEach((i) => this.metrics.items.inc({ kind: i.kind, outcome: 'unavailable' }));
      throw err;
    }
    items.forEach((i) => this.metrics.items.inc({ kind: i.kind, outcome: 'accepted' }));
  }

  /** prepare + publish for one item; returns its event id. */
  async publishOne(item: IngestItem, ctx: RequestContext): Promise<string> {
    const prepared = this.prepare(item, ctx);
    await this.publish([prepared]);
    return prepared.id;
  }

  countRejected(kind: string): void {
    this.metrics.items.inc({ kind, outcome: 'rejected' });
  }

  countSkipped(kind: string): void {
    this.metrics.items.inc({ kind, outcome: 'skipped' });
  }
}
