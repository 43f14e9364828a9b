import { TSchema } from '@sinclair/typebox';
import { AnalyticsEventSchema, BatchItemSchema, MetricsPushSchema, UsageReportSchema } from '@app/contracts';

type Json = Record<string, unknown>;

/** A TypeBox schema as a component: plain JSON Schema 2020-12 (what OpenAPI 3.1 uses), without its $id. */
function component(schema: TSchema): Json {
  const plain = JSON.parse(JSON.stringify(schema)) as Json;
  delete plain.$id;
  return plain;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json) => ({ 'application/json': { schema } });
const error = (description: string) => ({ description, content: json(ref('Error')) });

/** Refusals every ingest route can answer (docs/api.md, "Limits and errors"). */
const REFUSALS = {
  400: error('malformed body, or a value no store can hold'),
  401: error('missing or invalid API key'),
  408: { description: 'headers or body arrived too slowly; the connection is closed' },
  413: error('body, items, samples or the enveloped record too large'),
  415: error('unsupported Content-Encoding'),
  429: error('rate limit exceeded (see Retry-After)'),
  503: error('Kafka unavailable (see Retry-After); nothing was accepted'),
};

const OK = { type: 'object', properties: { message: { const: 'ok' } }, required: ['message'] };

const idempotencyKey = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: "the client's id for the request: a retry with the same key (and API key) gets the same event id",
  schema: { type: 'string', minLength: 1, maxLength: 256 },
};
const queryKey = {
  name: 'key',
  in: 'query',
  required: false,
  description: 'the API key (the panel cannot set headers)',
  schema: { type: 'string' },
};
const jobPath = {
  name: 'job',
  in: 'path',
  required: true,
  description: 'the job, then optional /<label>/<value> pairs of the grouping key',
  schema: { type: 'string', minLength: 1, pattern: '^[A-Za-z0-9_.:-]+$' },
};
const jobBase64Path = {
  name: 'job',
  in: 'path',
  required: true,
  description:
    'the job in URL-safe base64 (padding optional; client_golang, client_java and client_python use this form ' +
    'for a job with "/" or a space), then optional /<label>/<value> pairs',
  schema: { type: 'string', minLength: 1, pattern: '^[A-Za-z0-9_=-]+$' },
};
const PROTOBUF = 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited';

const PUSH_SUMMARY = {
  put: 'replace a group (Pushgateway PUT)',
  post: 'replace same-name families of a group',
  delete: 'delete a group',
};

function push(op: 'put' | 'post' | 'delete', base64 = false): Json {
  const body =
    op === 'delete'
      ? {}
      : {
          requestBody: {
            required: false,
            content: {
              'text/plain': { schema: { type: 'string', description: 'Prometheus text exposition format 0.0.4' } },
              [PROTOBUF]: { schema: { type: 'string', format: 'binary' } },
            },
          },
        };
  return {
    summary: PUSH_SUMMARY[op],
    operationId: base64 ? `push_base64_${op}` : `push_${op}`,
    tags: ['pushgateway'],
    parameters: [base64 ? jobBase64Path : jobPath, idempotencyKey],
    ...body,
    responses: {
      202: { description: 'accepted (acknowledged by Kafka)' },
      404: error('no such route (an empty job)'),
      ...REFUSALS,
    },
  };
}

function probe(summary: string): Json {
  const health = { description: summary, content: json(ref('Health')) };
  return { summary, tags: ['probes'], security: [], responses: { 200: health, 503: health } };
}

/**
 * The ingest API's OpenAPI 3.1 document. Request bodies are the TypeBox schemas of
 * libs/contracts (the same ones the API validates with); responses are those of docs/api.md.
 */
export function openApiDocument(version: string): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'usage-stats-handler ingest API',
      version,
      description: 'Usage telemetry from Grafana fleets into Kafka. See docs/api.md.',
    },
    security: [{ bearer: [] }, { apiKey: [] }, { basic: [] }],
    paths: {
      '/grafana-usage-report': {
        post: {
          summary: "a Grafana usage report, answered like Grafana's own receiver",
          operationId: 'usage_report',
          tags: ['grafana'],
          parameters: [idempotencyKey],
          requestBody: { required: true, content: json(ref('UsageReport')) },
          responses: { 200: { description: 'accepted', content: json(OK) }, ...REFUSALS },
        },
      },
      '/api/v1/ingest': {
        post: {
          summary: 'one usage report, a JSON array of items, or NDJSON (one item per line)',
          operationId: 'ingest',
          tags: ['batch'],
          parameters: [idempotencyKey],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: { oneOf: [ref('UsageReport'), { type: 'array', minItems: 1, items: ref('BatchItem') }] },
              },
              'application/x-ndjson': { schema: { type: 'string', description: 'one BatchItem per line' } },
            },
          },
          responses: {
            200: { description: 'every item accepted or skipped', content: json(ref('BatchResponse')) },
            207: { description: 'some items rejected (see results)', content: json(ref('BatchResponse')) },
            400: {
              description: 'every item rejected, or a malformed body',
              content: json({ oneOf: [ref('BatchResponse'), ref('Error')] }),
            },
            ...Object.fromEntries(Object.entries(REFUSALS).filter(([code]) => code !== '400')),
          },
        },
      },
      ...Object.fromEntries(
        ['/write', '/api/v1/analytics'].map((path) => [
          path,
          {
            post: {
              summary: 'an analytics panel event (the panel posts it as text/plain JSON)',
              operationId: path === '/write' ? 'panel_write' : 'analytics',
              tags: ['panel'],
              parameters: [idempotencyKey, queryKey],
              requestBody: { required: true, content: json(ref('AnalyticsEvent')) },
              responses: { 201: { description: 'accepted, or skipped (unsaved dashboard)' }, ...REFUSALS },
            },
          },
        ]),
      ),
      '/metrics/job/{job}': { put: push('put'), post: push('post'), delete: push('delete') },
      '/metrics/job@base64/{job}': { put: push('put', true), post: push('post', true), delete: push('delete', true) },
      '/health': { get: probe('liveness') },
      '/healthz': { get: probe("liveness (the path Grafana's reference receiver probes)") },
      '/ready': { get: probe('readiness: the Kafka producer is connected') },
      '/openapi.json': {
        get: {
          summary: 'this document',
          tags: ['probes'],
          security: [],
          responses: { 200: { description: 'OpenAPI 3.1', content: json({ type: 'object' }) } },
        },
      },
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        basic: {
          type: 'http',
          scheme: 'basic',
          description: 'any user name, the API key as the password (stock push clients)',
        },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
      schemas: {
        UsageReport: component(UsageReportSchema),
        AnalyticsEvent: component(AnalyticsEventSchema),
        BatchItem: component(BatchItemSchema),
        MetricsPush: component(MetricsPushSchema),
        Error: {
          type: 'object',
          properties: { message: { type: 'string' }, detail: { type: 'string' } },
          required: ['message'],
        },
        BatchResponse: {
          type: 'object',
          required: ['accepted', 'rejected', 'skipped', 'results'],
          properties: {
            accepted: { type: 'integer' },
            rejected: { type: 'integer' },
            skipped: { type: 'integer' },
            results: {
              type: 'array',
              items: {
                type: 'object',
                required: ['index', 'status'],
                properties: {
                  index: { type: 'integer' },
                  id: { type: 'string' },
                  status: { enum: ['accepted', 'skipped', 'rejected'] },
                  reason: { type: 'string' },
                },
              },
            },
          },
        },
        Health: {
          type: 'object',
          properties: {
            status: { type: 'string' },
            info: { type: 'object' },
            error: { type: 'object' },
            details: { type: 'object' },
          },
        },
      },
    },
  };
}
