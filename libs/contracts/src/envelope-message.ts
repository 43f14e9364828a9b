import { ENVELOPE_VERSION, Envelope, EnvelopeSource, EventKind, HEADERS } from './envelope';
import { encodeEnvelope, encodeEnvelopeSpliced } from './envelope.codec';
import { eventIdFor, instanceKeyFor } from './event-id';

/** One validated item on its way to the events topic. */
export interface EnvelopeItem {
  kind: EventKind;
  /** Already validated against the kind's schema. */
  payload: unknown;
  /** Position in a batch (makes one Idempotency-Key cover a whole batch). */
  index?: number;
  /** The client's own id for the item. */
  clientId?: string;
  /** Digest of the item's decoded bytes, when the route has them (see IdContext.contentDigest). */
  contentDigest?: string;
  /**
   * The payload as the client's JSON bytes (decoded, valid JSON that parses to `payload`):
   * spliced into the envelope as they are instead of re-serialising the parsed value. Ignored
   * when an edge transform rewrites the payload.
   */
  payloadJson?: Buffer;
}

/** Where and when an item arrived: an API request, or a collector's pull. */
export interface EnvelopeOrigin {
  route: string;
  receivedAt: number;
  correlationId: string;
  apiKeyId?: string;
  /** The client's address (for a pull: the Grafana instance's address, see docs/operations.md). */
  ip?: string;
  userAgent?: string;
  idempotencyKey?: string;
}

/** A Kafka message ready for the events topic (structurally libs/kafka's OutgoingMessage). */
export interface EnvelopeMessage {
  id: string;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

/**
 * Rewrites payload and source before they reach the broker (ANONYMIZE_AT=ingest); the event
 * id is computed from the raw item first, so a retry dedupes wherever anonymization runs.
 */
export type EdgeTransform = (
  kind: EventKind,
  payload: unknown,
  source: EnvelopeSource,
) => { payload: unknown; source: EnvelopeSource };

/**
 * The one place an item becomes an envelope, its event id, Kafka key and headers: the API's
 * routes and the collector both come through here, so a pushed and a pulled report agree.
 */
export function envelopeMessage(item: EnvelopeItem, origin: EnvelopeOrigin, edge?: EdgeTransform): EnvelopeMessage {
  const id = eventIdFor(item.kind, item.payload, {
    receivedAt: origin.receivedAt,
    idempotencyKey: origin.idempotencyKey,
    index: item.index,
    clientIp: origin.ip,
    clientId: item.clientId,
    // Client-supplied ids are scoped to the key that sent them: two tenants never dedupe each other.
    tenant: origin.apiKeyId,
    contentDigest: item.contentDigest,
  });
  const raw = { route: origin.route, apiKeyId: origin.apiKeyId, ip: origin.ip, userAgent: origin.userAgent };
  const { payload, source } = edge ? edge(item.kind, item.payload, raw) : { payload: item.payload, source: raw };
  // Member order is the wire order: payload last, so client bytes can be spliced in after the rest.
  const { receivedAt, correlationId } = origin;
  const head = { v: ENVELOPE_VERSION, id, kind: item.kind, receivedAt, correlationId, source };
  const value =
    item.payloadJson && !edge
      ? encodeEnvelopeSpliced(head as Omit<Envelope, 'payload'>, item.payloadJson)
      : // Not `{ ...head, payload }`, which makes a new hidden class per call (docs/operations.md).
        encodeEnvelope(Object.assign(head, { payload }) as Envelope);
  const headers = {
    [HEADERS.correlationId]: origin.correlationId,
    [HEADERS.kind]: item.kind,
    [HEADERS.eventId]: id,
    [HEADERS.version]: String(ENVELOPE_VERSION),
  };
  return { id, key: instanceKeyFor(item.kind, payload, id), value, headers };
}
