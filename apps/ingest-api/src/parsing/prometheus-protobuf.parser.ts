import { Reader } from 'protobufjs';
import { BodyError } from './body-error';
import {
  Family,
  Sample,
  TIMESTAMP_ERROR,
  checkLabels,
  checkMetricName,
  checkStorable,
  familyType,
  formatFloat,
  sampleValue,
} from './metric-families';
import { PbMetric, PbMetricFamily, readDelimitedFamily } from './prometheus-proto.schema';
import { PushBudget, labelBytes } from './push-budget';

/** `application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited`. */
export function isDelimitedProtobuf(contentType: string | undefined): boolean {
  const ct = (contentType ?? '').toLowerCase();
  return (
    ct.startsWith('application/vnd.google.protobuf') &&
    ct.includes('proto=io.prometheus.client.metricfamily') &&
    ct.includes('encoding=delimited')
  );
}

/**
 * Length-delimited MetricFamily messages, flattened into samples as the text format would spell
 * them. Samples, labels and families are counted while decoding, so a bomb stops after bounded work.
 */
export function parsePrometheusProtobuf(
  body: Buffer,
  maxSamples: number,
  maxBytes = body.length * 4 + 65_536,
): Family[] {
  const reader = Reader.create(body);
  const budget = new PushBudget(maxSamples, maxBytes);
  const families: Family[] = [];
  let decoded = 0;
  const counter = {
    metric: () => {
      if (++decoded > maxSamples) throw new BodyError(413, `push has more than ${maxSamples} samples`);
    },
    element: () => counter.metric(),
  };
  while (reader.pos < reader.len) {
    let pb: PbMetricFamily;
    try {
      pb = readDelimitedFamily(reader, counter);
    } catch (err) {
      if (err instanceof BodyError) throw err;
      throw new BodyError(400, `invalid protobuf: ${(err as Error).message.slice(0, 200)}`);
    }
    if (families.length >= maxSamples) throw new BodyError(413, `push has more than ${maxSamples} metric families`);
    families.push(toFamily(pb, budget));
  }
  return families;
}

function toFamily(pb: PbMetricFamily, budget: PushBudget): Family {
  const name = pb.name ?? '';
  checkMetricName(name);
  if (pb.help) checkStorable(pb.help, 'help text');
  // An absent enum is its zero value: COUNTER (the Go client omits it on the wire).
  const type = familyType(pb.type ?? 'COUNTER');
  const samples = (pb.metric ?? []).flatMap((m) => toSamples(name, type, m, budget));
  // Two literals rather than a conditional spread between keys: one hidden class each
  // (docs/operations.md, "Object shapes on the hot path").
  return pb.help ? { name, help: pb.help, type, samples } : { name, type, samples };
}

function toSamples(name: string, type: Family['type'], m: PbMetric, budget: PushBudget): Sample[] {
  if (m.timestampMs) throw new BodyError(400, TIMESTAMP_ERROR);
  const labels: Record<string, string> = {};
  for (const { name: label = '', value = '' } of m.label ?? []) {
    if (Object.hasOwn(labels, label)) throw new BodyError(400, `duplicate label "${label.slice(0, 64)}"`);
    labels[label] = value;
  }
  checkLabels(labels);
  const size = labelBytes(labels);
  const sample = (series: string, value: number, extra?: Record<string, string>): Sample => {
    budget.sample(series.length + size + (extra ? labelBytes(extra) : 0));
    return { name: series, labels: Object.assign({}, labels, extra), value: sampleValue(value) };
  };
  switch (type) {
    case 'summary': {
      const s = m.summary ?? {};
      return [
        ...(s.quantile ?? []).map((q) => sample(name, q.value ?? 0, { quantile: formatFloat(q.quantile ?? 0) })),
        sample(`${name}_sum`, s.sampleSum ?? 0),
        sample(`${name}_count`, s.sampleCount ?? 0),
      ];
    }
    case 'histogram': {
      const h = m.histogram ?? {};
      const count = h.sampleCountFloat || h.sampleCount || 0;
      const buckets = (h.bucket ?? []).map((b) =>
        sample(`${name}_bucket`, b.cumulativeCountFloat || b.cumulativeCount || 0, {
          le: formatFloat(b.upperBound ?? 0),
        }),
      );
      // The +Inf bucket is implicit in protobuf; the text format always writes it.
      if (!(h.bucket ?? []).some((b) => b.upperBound === Infinity))
        buckets.push(sample(`${name}_bucket`, count, { le: '+Inf' }));
      return [...buckets, sample(`${name}_sum`, h.sampleSum ?? 0), sample(`${name}_count`, count)];
    }
    default:
      return [
        sample(name, (m[type === 'untyped' ? 'untyped' : type] ?? m.untyped ?? m.gauge ?? m.counter ?? {}).value ?? 0),
      ];
  }
}
