import { type MetricsPush, type MetricType, type SampleValue, unstorableString } from '@app/contracts';
import { BodyError } from './body-error';

export type Family = MetricsPush['families'][number];
export type Sample = Family['samples'][number];

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

export const TIMESTAMP_ERROR = 'pushed metrics must not have timestamps';

export function checkMetricName(name: string): void {
  if (!METRIC_NAME.test(name)) throw new BodyError(400, `invalid metric name "${name.slice(0, 128)}"`);
}

export function checkLabels(labels: Record<string, string>): void {
  for (const name of Object.keys(labels)) {
    if (!LABEL_NAME.test(name) || name.startsWith('__'))
      throw new BodyError(400, `invalid label name "${name.slice(0, 128)}"`);
    checkStorable(labels[name], `value of label "${name.slice(0, 128)}"`);
  }
}

/** Label values and help texts are free text: refused when no store could hold them. */
export function checkStorable(text: string, what: string): void {
  const why = unstorableString(text);
  if (why) throw new BodyError(400, `${what} ${why}`);
}

/** A number as a sample value; JSON has no NaN or infinities, so those travel as Prometheus spells them. */
export function sampleValue(n: number): SampleValue {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return n;
}

/** A text-format value ("1.5e+06", "NaN", "+Inf", ...) as a sample value. */
export function parseSampleValue(text: string): SampleValue {
  if (text === 'NaN') return 'NaN';
  if (text === '+Inf' || text === 'Inf') return '+Inf';
  if (text === '-Inf') return '-Inf';
  if (!FLOAT.test(text)) throw new BodyError(400, `invalid sample value "${text.slice(0, 64)}"`);
  return Number(text);
}

/**
 * A float as Go's strconv.FormatFloat(f, 'g', -1, 64) writes it, which is how Prometheus
 * clients spell `le` and `quantile` labels in the text format ("0.005", "1", "1e+06", "+Inf"),
 * so a protobuf push and the equivalent text push yield the same series.
 */
export function formatFloat(n: number): string {
  if (!Number.isFinite(n)) return String(sampleValue(n));
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const [mantissa, exponent] = n.toExponential().split('e');
  const exp = Number(exponent);
  if (exp < -4 || exp >= 6) {
    return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return String(n);
}

export function familyType(raw: string | undefined): MetricType {
  switch ((raw ?? 'untyped').toLowerCase()) {
    case 'counter':
      return 'counter';
    case 'gauge':
      return 'gauge';
    case 'summary':
      return 'summary';
    case 'histogram':
    case 'gauge_histogram':
      return 'histogram';
    default:
      return 'untyped';
  }
}
