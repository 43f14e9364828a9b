import { Root, Type } from 'protobufjs';

const double = (id: number) => ({ type: 'double', id });
const uint64 = (id: number) => ({ type: 'uint64', id });
const repeated = (type: string, id: number) => ({ rule: 'repeated', type, id });

/**
 * The subset of io.prometheus.client's MetricFamily (client_model, proto2) that a push can
 * carry, as a protobufjs descriptor: field numbers and types of the wire format. Fields not
 * listed (exemplars, created timestamps, native-histogram spans) are skipped when decoding.
 */
const descriptor = {
  nested: {
    LabelPair: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
    MetricType: { values: { COUNTER: 0, GAUGE: 1, SUMMARY: 2, UNTYPED: 3, HISTOGRAM: 4, GAUGE_HISTOGRAM: 5 } },
    Gauge: { fields: { value: double(1) } },
    Counter: { fields: { value: double(1) } },
    Untyped: { fields: { value: double(1) } },
    Quantile: { fields: { quantile: double(1), value: double(2) } },
    Summary: { fields: { sampleCount: uint64(1), sampleSum: double(2), quantile: repeated('Quantile', 3) } },
    Bucket: { fields: { cumulativeCount: uint64(1), upperBound: double(2), cumulativeCountFloat: double(4) } },
    Histogram: {
      fields: { sampleCount: uint64(1), sampleSum: double(2), bucket: repeated('Bucket', 3), sampleCountFloat: double(9) },
    },
    Metric: {
      fields: {
        label: repeated('LabelPair', 1),
        gauge: { type: 'Gauge', id: 2 },
        counter: { type: 'Counter', id: 3 },
        summary: { type: 'Summary', id: 4 },
        untyped: { type: 'Untyped', id: 5 },
        timestampMs: { type: 'int64', id: 6 },
        histogram: { type: 'Histogram', id: 7 },
      },
    },
    MetricFamily: { fields: { name: { type: 'string', id: 1 }, help: { type: 'string', id: 2 }, type: { type: 'MetricType', id: 3 }, metric: repeated('Metric', 4) } },
  },
};

export const MetricFamilyType: Type = Root.fromJSON(descriptor).lookupType('MetricFamily');

/** Plain-object shape of a decoded MetricFamily (toObject with longs as numbers, enums as names). */
export interface PbMetricFamily {
  name?: string;
  help?: string;
  type?: 'COUNTER' | 'GAUGE' | 'SUMMARY' | 'UNTYPED' | 'HISTOGRAM' | 'GAUGE_HISTOGRAM';
  metric?: PbMetric[];
}
export interface PbMetric {
  label?: Array<{ name?: string; value?: string }>;
  gauge?: { value?: number };
  counter?: { value?: number };
  untyped?: { value?: number };
  summary?: { sampleCount?: number; sampleSum?: number; quantile?: Array<{ quantile?: number; value?: number }> };
  histogram?: {
    sampleCount?: number;
    sampleCountFloat?: number;
    sampleSum?: number;
    bucket?: Array<{ cumulativeCount?: number; cumulativeCountFloat?: number; upperBound?: number }>;
  };
  timestampMs?: number;
}
