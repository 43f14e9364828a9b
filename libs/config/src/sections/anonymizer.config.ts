import { ArrayNotEmpty, IsBoolean, IsIn, Matches, MinLength, ValidateIf } from 'class-validator';
import { Env } from '../env.decorator';

export class AnonymizerConfig {
  @Env('ANONYMIZATION_ENABLED', { default: true })
  @IsBoolean()
  enabled!: boolean;

  /**
   * HMAC keys for pseudonyms, current first; older keys stay listed through a rotation so
   * operators can map an identifier to its pseudonym under each (see docs/privacy.md).
   * Required when anonymization is on: a built-in default would let anyone with the code
   * reverse pseudonyms of guessable identifiers by dictionary.
   */
  @Env('ANONYMIZATION_KEY', { secret: true, list: true, default: [] })
  @ValidateIf((o: AnonymizerConfig) => o.enabled === true)
  @ArrayNotEmpty({ message: 'is required when ANONYMIZATION_ENABLED=true (comma-separated keys, current first)' })
  @MinLength(16, { each: true, message: 'each key must be at least 16 characters' })
  keys!: string[];

  /**
   * Where personal data is removed: `worker` (default) keeps raw events on the events topic
   * so a replay can re-anonymize under new rules; `ingest` anonymizes in the API, so raw
   * personal data never reaches the broker.
   */
  @Env('ANONYMIZE_AT', { default: 'worker' })
  @IsIn(['worker', 'ingest'])
  at!: 'worker' | 'ingest';

  /**
   * AES-256-GCM keys (64 hex characters or 44 base64), current first, sealing the raw bytes of
   * dead letters that cannot be anonymized. Unset: such letters keep no raw bytes at all.
   */
  @Env('DLQ_ENCRYPTION_KEY', { secret: true, list: true, default: [] })
  @Matches(/^(?:[0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)$/, {
    each: true,
    message: 'each key must be 32 bytes as 64 hex or 44 base64 characters',
  })
  dlqEncryptionKeys!: string[];

  /** The current key (the first listed). */
  get key(): string | undefined {
    return this.keys[0];
  }
}
