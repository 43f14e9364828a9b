import type { PipelineMessage } from './pipeline-message';

export type PipelineStage = 'decode' | 'rules' | 'anonymize' | 'write';

/** A message the pipeline gives up on, with its original bytes and headers. */
export interface DeadLetter {
  message: PipelineMessage;
  stage: PipelineStage;
  reason: string;
  detail?: string;
  eventId?: string;
  consumerGroup?: string;
}

/** Where dead letters go (the dead-letter topic); steps never touch a producer themselves. */
export interface DeadLetterSink {
  publish(letters: DeadLetter[]): Promise<void>;
}
