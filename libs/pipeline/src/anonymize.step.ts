import type { Anonymizer } from '@app/anonymizer';
import type { Envelope } from '@app/contracts';
import type { ProcessedEvent } from '@app/storage';
import { dlq, ok, StepResult } from './results';

/** Envelope to store-ready event; with an anonymizer (ANONYMIZATION_ENABLED), PII never passes. */
export function anonymizeStep(anonymizer: Anonymizer | undefined): (envelope: Envelope) => StepResult<ProcessedEvent> {
  return (envelope) => {
    const base = {
      id: envelope.id,
      kind: envelope.kind,
      receivedAt: envelope.receivedAt,
      correlationId: envelope.correlationId,
    };
    const payload = envelope.payload as Record<string, unknown>;
    // source.keyId: the API (ANONYMIZE_AT=ingest) or a dead letter already anonymized it; twice would re-hash pseudonyms.
    if (!anonymizer || envelope.source.keyId !== undefined) return ok({ ...base, source: envelope.source, payload });
    try {
      // The envelope was parsed from this message alone (decodeStep) and nothing else holds its
      // payload: a dead letter carries the message's bytes. So it is anonymized in place.
      return ok({ ...base, ...anonymizer.anonymize(envelope.kind, payload, envelope.source, { owned: true }) });
    } catch (err) {
      return dlq('anonymize_failed', (err as Error).message);
    }
  };
}
