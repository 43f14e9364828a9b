import { ConsumedMessage, decodeEnvelope, Envelope } from '@app/contracts';
import { dlq, ok, StepResult } from './results';

/** Bytes to envelope, with the schema shared with the API; anything else is poison. */
export function decodeStep(message: ConsumedMessage): StepResult<Envelope> {
  const result = decodeEnvelope(message.value);
  if (result.ok) return ok(result.envelope);
  const code = result.reason.startsWith('empty')
    ? 'empty_message'
    : result.reason.startsWith('invalid JSON')
      ? 'invalid_json'
      : 'invalid_envelope';
  return dlq(code, result.reason);
}
