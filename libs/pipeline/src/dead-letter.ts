import type { DeadLetter } from '@app/contracts';

/** Where dead letters go (the dead-letter topic); steps never touch a producer themselves. */
export interface DeadLetterSink {
  publish(letters: DeadLetter[]): Promise<void>;
}
