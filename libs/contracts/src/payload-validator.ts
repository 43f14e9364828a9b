import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { EventKind } from './envelope';
import { BATCH_ITEM_JSON_SCHEMA, PAYLOAD_JSON_SCHEMAS } from './json-schemas';

export type Validation = { ok: true } | { ok: false; error: ErrorObject; reason: string };

/**
 * Payload schemas compiled once with ajv (the validator Fastify uses): the hot path pays for a
 * generated function call, not for reflection per request. The API and the collector share it.
 */
export class PayloadValidator {
  private readonly payloads: Record<EventKind, ValidateFunction>;
  private readonly batchItem: ValidateFunction;

  constructor() {
    // No coercion and no defaults: what a client sent is what lands on the topic.
    const ajv = new Ajv({ allErrors: false, strict: false, coerceTypes: false, useDefaults: false });
    this.payloads = {
      usage_report: ajv.compile(PAYLOAD_JSON_SCHEMAS.usage_report),
      analytics: ajv.compile(PAYLOAD_JSON_SCHEMAS.analytics),
      metrics: ajv.compile(PAYLOAD_JSON_SCHEMAS.metrics),
    };
    this.batchItem = ajv.compile(BATCH_ITEM_JSON_SCHEMA);
  }

  payload(kind: EventKind, value: unknown): Validation {
    return check(this.payloads[kind], value);
  }

  item(value: unknown): Validation {
    return check(this.batchItem, value);
  }
}

function check(validate: ValidateFunction, value: unknown): Validation {
  if (validate(value)) return { ok: true };
  const error = validate.errors![0];
  return { ok: false, error, reason: describe(error) };
}

/** "/metrics must be object", "must have required property 'version'". */
function describe(error: ErrorObject): string {
  const where = error.instancePath ? `${error.instancePath} ` : '';
  const extra = error.keyword === 'additionalProperties' ? ` "${String(error.params.additionalProperty)}"` : '';
  return `${where}${error.message ?? 'is invalid'}${extra}`.slice(0, 300);
}
