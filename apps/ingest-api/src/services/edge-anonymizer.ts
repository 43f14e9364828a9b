import { Config } from '@app/config';
import type { EdgeTransform } from '@app/contracts';
import { edgeTransformFor } from '@app/pipeline';

/** The API's provider for ANONYMIZE_AT=ingest (libs/pipeline edgeTransformFor); `transform` is undefined otherwise. */
export class EdgeAnonymizer {
  constructor(readonly transform?: EdgeTransform) {}

  static from(config: Config): EdgeAnonymizer {
    return new EdgeAnonymizer(edgeTransformFor(config));
  }
}
