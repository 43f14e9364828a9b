import { Static, Type } from '@sinclair/typebox';
import { OpenObject } from './open-object';

const Text = (maxLength = 256) => Type.String({ maxLength });

/**
 * Grafana's daily usage report as Grafana sends it (pkg/infra/usagestats). Only `version` and
 * `metrics` are required: older Grafana versions lack usageStatsId and the newer fields, and
 * new fields appear over time, so unknown properties are kept.
 */
export const UsageReportSchema = Type.Object(
  {
    /** Any string, as Grafana's receiver takes it; normalizeGrafanaVersion gives the comparable form. */
    version: Type.String({ maxLength: 1024 }),
    /**
     * Open-ended, mostly numbers; values may be strings, booleans or objects. Keys are bounded
     * by their count and by the body's size.
     */
    metrics: OpenObject({ maxProperties: 20000 }),
    os: Type.Optional(Text(128)),
    arch: Type.Optional(Text(128)),
    edition: Type.Optional(Text(128)),
    hasValidLicense: Type.Optional(Type.Boolean()),
    packaging: Type.Optional(Text(128)),
    /** `""` when Grafana's key-value store read failed: the event id then falls back (see event-id.ts). */
    usageStatsId: Type.Optional(Type.String({ maxLength: 128 })),
    /** Unix milliseconds. */
    databaseCreated: Type.Optional(Type.Number()),
    installVersion: Type.Optional(Text(64)),
  },
  { additionalProperties: true, $id: 'UsageReport' },
);
export type UsageReport = Static<typeof UsageReportSchema>;
