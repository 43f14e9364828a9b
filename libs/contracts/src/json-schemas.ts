import { TSchema } from '@sinclair/typebox';
import { AnalyticsEventSchema } from './analytics-event.schema';
import { BatchItemSchema } from './batch-item.schema';
import { EventKind } from './envelope';
import { MetricsPushSchema } from './metrics-push.schema';
import { UsageReportSchema } from './usage-report.schema';

/**
 * The payload schema of each event kind as plain JSON Schema (TypeBox objects are JSON
 * Schema), for compiling with ajv on the API's hot path.
 */
export const PAYLOAD_JSON_SCHEMAS: Readonly<Record<EventKind, TSchema>> = {
  usage_report: UsageReportSchema,
  analytics: AnalyticsEventSchema,
  metrics: MetricsPushSchema,
};

export const BATCH_ITEM_JSON_SCHEMA: TSchema = BatchItemSchema;
