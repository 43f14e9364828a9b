import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { BodyError } from './body-error';
import { Family, Sample, TIMESTAMP_ERROR, checkLabels, checkMetricName, familyType, parseSampleValue } from './metric-families';

const TYPE_LINE = /^\s*#\s+TYPE\s+(\S+)\s+(\S+)\s*$/gm;
const GROUPED = new Set(['histogram', 'summary']);

/**
 * Text exposition format 0.0.4, tokenized by parse-prometheus-text-format. That parser folds
 * histograms and summaries into one object per family and loses their label sets, so their
 * TYPE lines are declared untyped before parsing (every series stays a plain sample) and
 * the `_bucket`/`_sum`/`_count` series are regrouped under their family here.
 */
export function parsePrometheusText(text: string): Family[] {
  const declared = new Map<string, string>();
  for (const [, name, type] of text.matchAll(TYPE_LINE)) {
    // Pushgateway's parser (expfmt) refuses a family typed twice: one push, one type per family.
    if (declared.has(name)) throw new BodyError(400, `second TYPE line for metric name "${name.slice(0, 128)}"`);
    declared.set(name, type.toLowerCase());
  }
  const flattened = text.replace(TYPE_LINE, (line, name: string, type: string) => (GROUPED.has(type.toLowerCase()) ? `# TYPE ${name} untyped` : line));
  let parsed: ReturnType<typeof parsePrometheusTextFormat>;
  try {
    // The parser drops a last sample that has no trailing newline.
    parsed = parsePrometheusTextFormat(flattened.endsWith('\n') ? flattened : `${flattened}\n`);
  } catch (err) {
    throw new BodyError(400, `invalid text format: ${(err as Error).message.slice(0, 200)}`);
  }
  const families = new Map<string, Family>();
  for (const f of parsed) {
    const owner = ownerOf(f.name, declared);
    const family = families.get(owner) ?? { name: owner, type: familyType(declared.get(owner)), samples: [] as Sample[] };
    if (f.help && f.name === owner) family.help = f.help;
    family.samples.push(...f.metrics.map((m) => toSample(f.name, m)));
    families.set(owner, family);
  }
  return [...families.values()].filter((f) => f.samples.length > 0 || f.help !== undefined || declared.has(f.name));
}

/** The family a series belongs to: `x_bucket`, `x_sum`, `x_count` belong to a declared histogram/summary `x`. */
function ownerOf(series: string, declared: Map<string, string>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!series.endsWith(suffix)) continue;
    const base = series.slice(0, -suffix.length);
    const type = declared.get(base);
    if (type === 'histogram' || (type === 'summary' && suffix !== '_bucket')) return base;
  }
  return series;
}

function toSample(name: string, m: { value?: string; labels?: Record<string, string>; timestamp_ms?: string }): Sample {
  if (m.timestamp_ms !== undefined) throw new BodyError(400, TIMESTAMP_ERROR);
  checkMetricName(name);
  const labels = { ...(m.labels ?? {}) };
  checkLabels(labels);
  return { name, labels, value: parseSampleValue(m.value ?? '') };
}
