import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Envelope, EnvelopeSchema } from './envelope';

const checker = TypeCompiler.Compile(EnvelopeSchema);

export function encodeEnvelope(envelope: Envelope): Buffer {
  return Buffer.from(JSON.stringify(envelope));
}

const PAYLOAD_MEMBER = ',"payload":';
const CLOSE = 0x7d; // }

/**
 * The envelope with its payload as the client's own JSON bytes, spliced in instead of
 * re-serialised: `payload` is the last member, so the text is the other members, then
 * `"payload":` and the bytes. The worker's JSON.parse reads the same envelope as from
 * encodeEnvelope; only whitespace and spelling inside the payload (`1e2`, `\u00e9`) differ.
 * `payloadJson` must be one valid JSON value that parses to the envelope's payload.
 */
export function encodeEnvelopeSpliced(envelope: Omit<Envelope, 'payload'>, payloadJson: Buffer): Buffer {
  const head = JSON.stringify(envelope);
  const headBytes = Buffer.byteLength(head) - 1; // without its closing brace
  const out = Buffer.allocUnsafe(headBytes + PAYLOAD_MEMBER.length + payloadJson.length + 1);
  let at = out.write(head.slice(0, -1));
  at += out.write(PAYLOAD_MEMBER, at, 'latin1');
  at += payloadJson.copy(out, at);
  out[at] = CLOSE;
  return out;
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
  return {
    ok: false,
    reason: `invalid envelope: ${first ? `${first.path || '/'} ${first.message}` : 'schema mismatch'}`,
  };
}
