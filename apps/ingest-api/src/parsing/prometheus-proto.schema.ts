import { Reader } from 'protobufjs';
import { BodyError } from './body-error';
import { MAX_LABELS_PER_SERIES } from './push-budget';

/**
 * The subset of io.prometheus.client's MetricFamily (client_model, proto2) that a push can
 * carry, read field by field with protobufjs' Reader. Decoding by hand lets the caller count
 * repeated fields as they arrive (a 10 KB gzipped body can hold millions of empty buckets);
 * fields not listed (exemplars, created timestamps, native-histogram spans) are skipped.
 */
export type MetricTypeName = 'COUNTER' | 'GAUGE' | 'SUMMARY' | 'UNTYPED' | 'HISTOGRAM' | 'GAUGE_HISTOGRAM';
const METRIC_TYPES: MetricTypeName[] = ['COUNTER', 'GAUGE', 'SUMMARY', 'UNTYPED', 'HISTOGRAM', 'GAUGE_HISTOGRAM'];

export interface PbMetricFamily {
  name?: string;
  help?: string;
  type?: MetricTypeName;
  metric?: PbMetric[];
}
export interface PbBucket {
  cumulativeCount?: number;
  cumulativeCountFloat?: number;
  upperBound?: number;
}
export interface PbMetric {
  label?: Array<{ name?: string; value?: string }>;
  gauge?: { value?: number };
  counter?: { value?: number };
  untyped?: { value?: number };
  summary?: { sampleCount?: number; sampleSum?: number; quantile?: Array<{ quantile?: number; value?: number }> };
  histogram?: { sampleCount?: number; sampleCountFloat?: number; sampleSum?: number; bucket?: PbBucket[] };
  timestampMs?: number;
}

/** Told of every repeated element as it is decoded; throws to stop decoding. */
export interface DecodeCounter {
  /** A bucket or quantile: one more sample. */
  element(): void;
}

const WIRE_LEN = 2;
const WIRE_FIXED64 = 1;

/** Reads the fields of one embedded message of `length` bytes. */
function fields(reader: Reader, length: number, each: (field: number, wire: number) => boolean): void {
  const end = reader.pos + length;
  if (end > reader.len) throw new BodyError(400, 'invalid protobuf: message runs past the end of the body');
  while (reader.pos < end) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (!each(field, wire)) reader.skipType(wire);
  }
  if (reader.pos !== end) throw new BodyError(400, 'invalid protobuf: field runs past its message');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A string field, strictly: protobufjs would turn invalid UTF-8 into replacement characters. */
function text(reader: Reader): string {
  try {
    return utf8.decode(reader.bytes());
  } catch {
    throw new BodyError(400, 'invalid protobuf: a string field is not valid UTF-8');
  }
}

const uint64 = (reader: Reader) => Number(reader.uint64().toString());
const int64 = (reader: Reader) => Number(reader.int64().toString());

function single(reader: Reader): { value?: number } {
  const out: { value?: number } = {};
  fields(reader, reader.uint32(), (f, w) => {
    if (f !== 1 || w !== WIRE_FIXED64) return false;
    out.value = reader.double();
    return true;
  });
  return out;
}

function labelPair(reader: Reader): { name?: string; value?: string } {
  const out: { name?: string; value?: string } = {};
  fields(reader, reader.uint32(), (f, w) => {
    if (w !== WIRE_LEN || (f !== 1 && f !== 2)) return false;
    out[f === 1 ? 'name' : 'value'] = text(reader);
    return true;
  });
  return out;
}

function summary(reader: Reader, counter: DecodeCounter): NonNullable<PbMetric['summary']> {
  const out: NonNullable<PbMetric['summary']> = {};
  fields(reader, reader.uint32(), (f, w) => {
    if (f === 1 && w === 0) out.sampleCount = uint64(reader);
    else if (f === 2 && w === WIRE_FIXED64) out.sampleSum = reader.double();
    else if (f === 3 && w === WIRE_LEN) {
      counter.element();
      const q: { quantile?: number; value?: number } = {};
      fields(reader, reader.uint32(), (qf, qw) => {
        if (qw !== WIRE_FIXED64 || (qf !== 1 && qf !== 2)) return false;
        q[qf === 1 ? 'quantile' : 'value'] = reader.double();
        return true;
      });
      (out.quantile ??= []).push(q);
    } else return false;
    return true;
  });
  return out;
}

function bucket(reader: Reader): PbBucket {
  const out: PbBucket = {};
  fields(reader, reader.uint32(), (f, w) => {
    if (f === 1 && w === 0) out.cumulativeCount = uint64(reader);
    else if (f === 2 && w === WIRE_FIXED64) out.upperBound = reader.double();
    else if (f === 4 && w === WIRE_FIXED64) out.cumulativeCountFloat = reader.double();
    else return false;
    return true;
  });
  return out;
}

function histogram(reader: Reader, counter: DecodeCounter): NonNullable<PbMetric['histogram']> {
  const out: NonNullable<PbMetric['histogram']> = {};
  fields(reader, reader.uint32(), (f, w) => {
    if (f === 1 && w === 0) out.sampleCount = uint64(reader);
    else if (f === 2 && w === WIRE_FIXED64) out.sampleSum = reader.double();
    else if (f === 9 && w === WIRE_FIXED64) out.sampleCountFloat = reader.double();
    else if (f === 3 && w === WIRE_LEN) {
      counter.element();
      (out.bucket ??= []).push(bucket(reader));
    } else return false;
    return true;
  });
  return out;
}

function metric(reader: Reader, counter: DecodeCounter): PbMetric {
  const out: PbMetric = {};
  fields(reader, reader.uint32(), (f, w) => {
    if (f === 6 && w === 0) {
      out.timestampMs = int64(reader);
      return true;
    }
    if (w !== WIRE_LEN) return false;
    switch (f) {
      case 1:
        if ((out.label ??= []).length >= MAX_LABELS_PER_SERIES) {
          throw new BodyError(413, `a series has more than ${MAX_LABELS_PER_SERIES} labels`);
        }
        out.label.push(labelPair(reader));
        return true;
      case 2:
        out.gauge = single(reader);
        return true;
      case 3:
        out.counter = single(reader);
        return true;
      case 4:
        out.summary = summary(reader, counter);
        return true;
      case 5:
        out.untyped = single(reader);
        return true;
      case 7:
        out.histogram = histogram(reader, counter);
        return true;
      default:
        return false;
    }
  });
  return out;
}

/** One length-delimited MetricFamily; `counter` hears of each metric, bucket and quantile as it is read. */
export function readDelimitedFamily(reader: Reader, counter: DecodeCounter & { metric(): void }): PbMetricFamily {
  const out: PbMetricFamily = {};
  fields(reader, reader.uint32(), (f, w) => {
    if (f === 1 && w === WIRE_LEN) out.name = text(reader);
    else if (f === 2 && w === WIRE_LEN) out.help = text(reader);
    else if (f === 3 && w === 0) out.type = METRIC_TYPES[reader.int32()] ?? 'UNTYPED';
    else if (f === 4 && w === WIRE_LEN) {
      counter.metric();
      (out.metric ??= []).push(metric(reader, counter));
    } else return false;
    return true;
  });
  return out;
}
