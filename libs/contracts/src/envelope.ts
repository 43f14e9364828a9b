import { Static, TSchema, Type } from '@sinclair/typebox';
import { AnalyticsEventSchema } from './analytics-event.schema';
import { MetricsPushSchema } from './metrics-push.schema';
import { UsageReportSchema } from './usage-report.schema';

export const EVENT_KINDS = ['usage_report', 'analytics', 'metrics'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export const ENVELOPE_VERSION = 1;

const SourceSchema = Type.Object({
  /** The API route the item came in on. */
  route: Type.String(),
  /** Which configured API key was used (a short fingerprint, never the key). */
  apiKeyId: Type.Optional(Type.String()),
  /** Client address; personal data, so the worker truncates and hashes it before storage. */
  ip: Type.Optional(Type.String()),
  userAgent: Type.Optional(Type.String()),
  /**
   * Id of the anonymization key whose pseudonyms the payload carries. Set by the anonymizer;
   * on the events topic it marks an envelope already anonymized by the API (ANONYMIZE_AT=ingest).
   */
  keyId: Type.Optional(Type.String({ maxLength: 16 })),
});

const envelopeOf = <K extends EventKind, P extends TSchema>(kind: K, payload: P) =>
  Type.Object({
    v: Type.Literal(ENVELOPE_VERSION),
    id: Type.String({ minLength: 1, maxLength: 128 }),
    kind: Type.Literal(kind),
    /** Unix milliseconds at which the API accepted the item. */
    receivedAt: Type.Integer(),
    correlationId: Type.String(),
    source: SourceSchema,
    payload,
  });

export const EnvelopeSchema = Type.Union([
  envelopeOf('usage_report', UsageReportSchema),
  envelopeOf('analytics', AnalyticsEventSchema),
  envelopeOf('metrics', MetricsPushSchema),
]);
/** The one message format on the events topic. */
export type Envelope = Static<typeof EnvelopeSchema>;
export type EnvelopeOf<K extends EventKind> = Extract<Envelope, { kind: K }>;
export type EnvelopeSource = Static<typeof SourceSchema>;

/** Kafka message headers set by the API and carried into the worker's logs. */
export const HEADERS = {
  correlationId: 'correlation-id',
  kind: 'event-kind',
  eventId: 'event-id',
  version: 'envelope-version',
} as const;
