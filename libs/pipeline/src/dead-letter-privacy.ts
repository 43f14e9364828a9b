import type { Anonymizer } from '@app/anonymizer';
import { ConsumedMessage, DeadLetter, decodeEnvelope, encodeEnvelope, Envelope, HEADERS } from '@app/contracts';
import type { DeadLetterSink } from './dead-letter';
import { DeadLetterSeal } from './dead-letter-seal';

export const DLQ_PRIVACY_HEADERS = {
  /** anonymized: the value is the anonymized envelope; sealed: raw bytes only in dlq-sealed; withheld: no raw bytes kept. */
  privacy: 'dlq-privacy',
  /** AES-256-GCM of the raw key, bytes (unless anonymized) and failure detail (dead-letter-seal.ts). */
  sealed: 'dlq-sealed',
  /** Id of the DLQ_ENCRYPTION_KEY that sealed it. */
  sealKeyId: 'dlq-seal-key-id',
} as const;

export type LetterPrivacy = 'anonymized' | 'sealed' | 'withheld';

/**
 * A dead letter fit for the dead-letter topic when anonymization is on: the envelope
 * anonymized when it decodes (a replay then skips the anonymizer: source.keyId marks it), the
 * Kafka key pseudonymized, the free-text detail (it may quote the payload) kept only sealed.
 * What cannot be anonymized (undecodable bytes, an anonymizer failure) keeps its raw bytes only
 * sealed with DLQ_ENCRYPTION_KEY, or not at all without one.
 */
export function protectLetter(letter: DeadLetter, anonymizer: Anonymizer, seal?: DeadLetterSeal): DeadLetter {
  const raw = letter.message;
  const anonymized = anonymizedValue(raw.value, anonymizer);
  const privacy: LetterPrivacy = anonymized ? 'anonymized' : seal ? 'sealed' : 'withheld';
  const { known, foreign } = splitHeaders(raw.headers);
  const headers: ConsumedMessage['headers'] = { ...known, [DLQ_PRIVACY_HEADERS.privacy]: privacy };
  if (seal) {
    headers[DLQ_PRIVACY_HEADERS.sealed] = seal.seal({
      key: raw.key,
      value: anonymized ? null : raw.value,
      detail: letter.detail,
      headers: foreign,
    });
    headers[DLQ_PRIVACY_HEADERS.sealKeyId] = seal.keyId;
  }
  const key = raw.key === null ? null : Buffer.from(String(anonymizer.hash(raw.key.toString('utf8'))));
  return { ...letter, detail: undefined, message: { ...raw, key, value: anonymized ?? null, headers } };
}

/** The API's own headers (no personal data: its correlation ids are safe shapes) and dlq-*; the rest is sealed. */
const isKnownHeader = (name: string) => (Object.values(HEADERS) as string[]).includes(name) || name.startsWith('dlq-');

function splitHeaders(headers: ConsumedMessage['headers']): {
  known: ConsumedMessage['headers'];
  foreign?: Record<string, string>;
} {
  const known: ConsumedMessage['headers'] = {};
  const foreign: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (isKnownHeader(name)) known[name] = value;
    else if (value !== undefined) foreign[name] = (Array.isArray(value) ? value : [value]).map(String).join(', ');
  }
  return { known, foreign: Object.keys(foreign).length > 0 ? foreign : undefined };
}

function anonymizedValue(value: Buffer | null, anonymizer: Anonymizer): Buffer | undefined {
  const decoded = decodeEnvelope(value);
  if (!decoded.ok) return undefined;
  const envelope = decoded.envelope;
  if (envelope.source.keyId !== undefined) return value ?? undefined;
  try {
    const { payload, source } = anonymizer.anonymize(
      envelope.kind,
      envelope.payload as Record<string, unknown>,
      envelope.source,
    );
    return encodeEnvelope({ ...envelope, payload, source } as Envelope);
  } catch {
    return undefined;
  }
}

/** The raw key, bytes and detail of a letter, from its seal; undefined when it has none. */
export function openLetter(
  message: Pick<ConsumedMessage, 'headers'>,
  seal: DeadLetterSeal,
): ReturnType<DeadLetterSeal['open']> | undefined {
  const sealed = headerBuffer(message.headers[DLQ_PRIVACY_HEADERS.sealed]);
  const keyId = headerBuffer(message.headers[DLQ_PRIVACY_HEADERS.sealKeyId])?.toString('utf8');
  if (!sealed || !keyId) return undefined;
  return seal.open(sealed, keyId);
}

function headerBuffer(raw: ConsumedMessage['headers'][string]): Buffer | undefined {
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined) return undefined;
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
}

/** Wraps the dead-letter topic: every letter passes protectLetter on its way (anonymization on). */
export class PrivateDeadLetterSink implements DeadLetterSink {
  constructor(
    private readonly inner: DeadLetterSink,
    private readonly anonymizer: Anonymizer,
    private readonly seal?: DeadLetterSeal,
  ) {}

  publish(letters: DeadLetter[]): Promise<void> {
    return this.inner.publish(letters.map((l) => protectLetter(l, this.anonymizer, this.seal)));
  }
}

/** The sink the pipeline gets: private when anonymization is on, the topic as is when it is off. */
export function deadLetterSinkFor(
  inner: DeadLetterSink,
  anonymizer?: Anonymizer,
  sealKeys: readonly string[] = [],
): DeadLetterSink {
  if (!anonymizer) return inner;
  return new PrivateDeadLetterSink(inner, anonymizer, sealKeys.length > 0 ? new DeadLetterSeal(sealKeys) : undefined);
}
