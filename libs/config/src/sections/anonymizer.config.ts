import { IsBoolean, MinLength, ValidateIf } from 'class-validator';
import { Env } from '../env.decorator';

export class AnonymizerConfig {
  @Env('ANONYMIZATION_ENABLED', { default: true }) @IsBoolean()
  enabled!: boolean;

  /**
   * HMAC key for pseudonyms. Required when anonymization is on: a built-in default would let
   * anyone with the code reverse pseudonyms of guessable identifiers by dictionary.
   */
  @Env('ANONYMIZATION_KEY', { secret: true })
  @ValidateIf((o: AnonymizerConfig) => o.enabled === true)
  @MinLength(16, { message: 'is required when ANONYMIZATION_ENABLED=true (at least 16 characters)' })
  key?: string;
}
