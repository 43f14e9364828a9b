import { Static, Type } from '@sinclair/typebox';

const Text = (maxLength = 256) => Type.String({ maxLength });

/**
 * Grafana's daily usage report as Grafana sends it (pkg/infra/usagestats). Only `version` and
 * `metrics` are required: older Grafana versions lack usageStatsId and the newer fields, and
 * new fields appear over time, so unknown properties are kept.
 */
export const UsageReportSchema = Type.Object(
  {
    version: Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9A-Za-z][0-9A-Za-z_.+-]*$' }),
    /** Open-ended, mostly numbers; values may be strings, booleans or objects. */
    metrics: Type.Record(Type.String({ maxLength: 512 }), Type.Unknown(), { maxProperties: 20000 }),
    os: Type.Optional(Text(128)),
    arch: Type.Optional(Text(128)),
    edition: Type.Optional(Text(128)),
    hasValidLicense: Type.Optional(Type.Boolean()),
    packaging: Type.Optional(Text(128)),
    usageStatsId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    /** Unix milliseconds. */
    databaseCreated: Type.Optional(Type.Number()),
    installVersion: Type.Optional(Text(64)),
  },
  { additionalProperties: true, $id: 'UsageReport' },
);
export type UsageReport = Static<typeof UsageReportSchema>;
