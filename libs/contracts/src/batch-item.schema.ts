import { Static, Type } from '@sinclair/typebox';

/**
 * One item of a batch on POST /api/v1/ingest (JSON array or NDJSON line). The payload is
 * validated separately against its kind's schema, so a bad payload is reported per item.
 */
export const BatchItemSchema = Type.Object(
  {
    kind: Type.Union([Type.Literal('usage_report'), Type.Literal('analytics'), Type.Literal('metrics')]),
    /** The client's own id for the item; it becomes the event id's natural key. */
    id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    payload: Type.Object({}, { additionalProperties: true }),
  },
  { additionalProperties: false, $id: 'BatchItem' },
);
export type BatchItem = Static<typeof BatchItemSchema>;
