import { Static, Type } from '@sinclair/typebox';
import { OpenObject } from './open-object';

const Text = (maxLength = 256) => Type.String({ maxLength });
const Opt = <T extends Parameters<typeof Type.Optional>[0]>(t: T) => Type.Optional(t);

/**
 * What the Grafana analytics panel (macropower-analytics-panel) posts to /write, after
 * normalizeAnalyticsEvent. As lenient as the reference server, which decodes into a struct:
 * every section is optional, `uuid` may be empty (heartbeats sent without a start), and
 * `type` is one of three because the normalizer reads any other value as a heartbeat.
 */
export const AnalyticsEventSchema = Type.Object(
  {
    uuid: Opt(Type.String({ maxLength: 128 })),
    type: Type.Union([Type.Literal('start'), Type.Literal('heartbeat'), Type.Literal('end')]),
    hasFocus: Opt(Type.Boolean()),
    options: Opt(OpenObject()),
    host: Opt(
      Type.Object(
        {
          hostname: Opt(Text()),
          port: Opt(Type.Union([Text(16), Type.Number()])),
          protocol: Opt(Text(16)),
          buildInfo: Opt(
            Type.Object(
              { version: Opt(Text(64)), commit: Opt(Text(64)), env: Opt(Text(64)), edition: Opt(Text(64)) },
              { additionalProperties: true },
            ),
          ),
          licenseInfo: Opt(Type.Unknown()),
        },
        { additionalProperties: true },
      ),
    ),
    dashboard: Opt(Type.Object({ name: Opt(Text(1024)), uid: Opt(Text(128)) }, { additionalProperties: true })),
    user: Opt(
      Type.Object(
        {
          // A string once pseudonymized: anonymized envelopes (ANONYMIZE_AT=ingest, dead letters) still decode.
          id: Opt(Type.Union([Type.Number(), Text(64)])),
          login: Opt(Text()),
          email: Opt(Text()),
          name: Opt(Text()),
          orgId: Opt(Type.Number()),
          orgName: Opt(Text()),
          orgRole: Opt(Text(64)),
          isGrafanaAdmin: Opt(Type.Boolean()),
          hasEditPermissionInFolders: Opt(Type.Boolean()),
          timezone: Opt(Text(64)),
          locale: Opt(Text(64)),
          lightTheme: Opt(Type.Boolean()),
        },
        { additionalProperties: true },
      ),
    ),
    variables: Opt(Type.Array(Type.Unknown(), { maxItems: 1000 })),
    timeRange: Opt(Type.Unknown()),
    timeZone: Opt(Text(64)),
    timeOrigin: Opt(Type.Number()),
    /** Unix seconds (0 or absent when the panel sent none). */
    time: Opt(Type.Number()),
  },
  { additionalProperties: true, $id: 'AnalyticsEvent' },
);
export type AnalyticsEvent = Static<typeof AnalyticsEventSchema>;
