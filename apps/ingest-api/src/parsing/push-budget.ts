import { BodyError } from './body-error';

/** Labels one series may carry (Prometheus' own clients stay far below). */
export const MAX_LABELS_PER_SERIES = 128;

/**
 * The work one push may cause, counted while it is decoded, so a small hostile body (millions
 * of empty buckets, one series with a huge label set) is refused after bounded work instead of
 * being materialised first. `maxBytes` bounds the flattened samples (names, labels, values):
 * every sample repeats its series' labels, so it grows faster than the body.
 */
export class PushBudget {
  private samples = 0;
  private bytes = 0;

  constructor(
    private readonly maxSamples: number,
    private readonly maxBytes: number,
  ) {}

  /** Called for each sample about to be produced, with the size of its name and labels. */
  sample(bytes: number): void {
    if (++this.samples > this.maxSamples) throw new BodyError(413, `push has more than ${this.maxSamples} samples`);
    this.bytes += bytes + 16;
    if (this.bytes > this.maxBytes) {
      throw new BodyError(413, `push expands to more than ${this.maxBytes} bytes of samples`);
    }
  }

  labels(count: number): void {
    if (count > MAX_LABELS_PER_SERIES) {
      throw new BodyError(413, `a series has more than ${MAX_LABELS_PER_SERIES} labels`);
    }
  }
}

export function labelBytes(labels: Record<string, string>): number {
  let n = 0;
  for (const key in labels) n += key.length + labels[key].length + 6;
  return n;
}
