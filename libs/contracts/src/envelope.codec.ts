import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Envelope, EnvelopeSchema } from './envelope';

const checker = TypeCompiler.Compile(EnvelopeSchema);

export function encodeEnvelope(envelope: Envelope): Buffer {
  return Buffer.from(JSON.stringify(envelope));
}

export type DecodeResult = { ok: true; envelope: Envelope } | { ok: false; reason: string };

/** Decodes one Kafka message value; an undecodable message is a value, not an exception. */
export function decodeEnvelope(bytes: Buffer | null): DecodeResult {
  if (!bytes || bytes.length === 0) return { ok: false, reason: 'empty message' };
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    return { ok: false, reason: `invalid JSON: ${(err as Error).message}` };
  }
  if (checker.Check(value)) return { ok: true, envelope: value };
  const first = checker.Errors(value).First();
  return { ok: false, reason: `invalid envelope: ${first ? `${first.path || '/'} ${first.message}` : 'schema mismatch'}` };
}
