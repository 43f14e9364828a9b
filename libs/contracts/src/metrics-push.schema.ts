import { Static, Type } from '@sinclair/typebox';

export const MetricTypeSchema = Type.Union([
  Type.Literal('counter'),
  Type.Literal('gauge'),
  Type.Literal('summary'),
  Type.Literal('histogram'),
  Type.Literal('untyped'),
]);
export type MetricType = Static<typeof MetricTypeSchema>;

/** JSON has no NaN or infinities, so those travel as Prometheus spells them. */
export const SampleValueSchema = Type.Union([
  Type.Number(),
  Type.Literal('NaN'),
  Type.Literal('+Inf'),
  Type.Literal('-Inf'),
]);
export type SampleValue = Static<typeof SampleValueSchema>;

const Labels = Type.Record(Type.String({ maxLength: 256 }), Type.String({ maxLength: 4096 }));

/**
 * One Pushgateway-style push, decoded from text or protobuf by the API. Samples never carry
 * their own timestamp (pushes with one are rejected); the envelope's receivedAt stamps them.
 */
export const MetricsPushSchema = Type.Object(
  {
    /**
     * POST merges by metric name, PUT replaces the group, DELETE removes the group. `fail`
     * records a push the API refused for its content (no families): the stores set the group's
     * push_failure_time_seconds, as the Pushgateway does for a push it refuses.
     */
    op: Type.Union([Type.Literal('post'), Type.Literal('put'), Type.Literal('delete'), Type.Literal('fail')]),
    job: Type.String({ minLength: 1, maxLength: 256 }),
    grouping: Labels,
    families: Type.Array(
      Type.Object({
        name: Type.String({ minLength: 1, maxLength: 256 }),
        help: Type.Optional(Type.String({ maxLength: 4096 })),
        type: MetricTypeSchema,
        samples: Type.Array(
          Type.Object({
            name: Type.String({ minLength: 1, maxLength: 256 }),
            labels: Labels,
            value: SampleValueSchema,
          }),
        ),
      }),
    ),
  },
  { $id: 'MetricsPush' },
);
export type MetricsPush = Static<typeof MetricsPushSchema>;
