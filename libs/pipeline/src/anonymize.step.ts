import type { Anonymizer } from '@app/anonymizer';
import type { Envelope } from '@app/contracts';
import type { ProcessedEvent } from '@app/storage';
import { dlq, ok, StepResult } from './results';

/** Envelope to store-ready event; with an anonymizer (ANONYMIZATION_ENABLED), PII never passes. */
export function anonymizeStep(anonymizer: Anonymizer | undefined): (envelope: Envelope) => StepResult<ProcessedEvent> {
  return (envelope) => {
    const payload = envelope.payload as Record<string, unknown>;
    // source.keyId: the API (ANONYMIZE_AT=ingest) or a dead letter already anonymized it; twice would re-hash pseudonyms.
    if (!anonymizer || envelope.source.keyId !== undefined)
      return ok(processedEvent(envelope, envelope.source, payload));
    try {
      // The envelope was parsed from this message alone (decodeStep) and nothing else holds its
      // payload: a dead letter carries the message's bytes. So it is anonymized in place.
      const out = anonymizer.anonymize(envelope.kind, payload, envelope.source, { owned: true });
      return ok(processedEvent(envelope, out.source, out.payload));
    } catch (err) {
      return dlq('anonymize_failed', (err as Error).message);
    }
  };
}

/** One literal, so one hidden class for every event (docs/operations.md, "Object shapes on the hot path"). */
function processedEvent(
  envelope: Envelope,
  source: ProcessedEvent['source'],
  payload: ProcessedEvent['payload'],
): ProcessedEvent {
  const { id, kind, receivedAt, correlationId } = envelope;
  return { id, kind, receivedAt, correlationId, source, payload };
}
