import { Root } from 'protobufjs';
import { compressSync, uncompressSync } from 'snappy';

/** One series of a WriteRequest: labels sorted by name, samples in time order. */
export interface Series {
  labels: Array<{ name: string; value: string }>;
  samples: Array<{ value: number; timestamp: number }>;
}

/**
 * The subset of Prometheus' remote write 1.0 protobuf (prompb/remote.proto, types.proto) this
 * store sends: WriteRequest { repeated TimeSeries timeseries = 1; }. Field numbers match the
 * upstream definitions, so any receiver decodes it.
 */
const root = Root.fromJSON({
  nested: {
    prometheus: {
      nested: {
        WriteRequest: { fields: { timeseries: { rule: 'repeated', type: 'TimeSeries', id: 1 } } },
        TimeSeries: {
          fields: {
            labels: { rule: 'repeated', type: 'Label', id: 1 },
            samples: { rule: 'repeated', type: 'Sample', id: 2 },
          },
        },
        Label: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        Sample: { fields: { value: { type: 'double', id: 1 }, timestamp: { type: 'int64', id: 2 } } },
      },
    },
  },
});
const WriteRequest = root.lookupType('prometheus.WriteRequest');

/** The request body: a snappy (block format) compressed, protobuf-encoded WriteRequest. */
export function encodeWriteRequest(timeseries: Series[]): Buffer {
  const bytes = WriteRequest.encode(WriteRequest.fromObject({ timeseries })).finish();
  return compressSync(Buffer.from(bytes));
}

/** The inverse, for tests and for receivers built on this module. */
export function decodeWriteRequest(body: Buffer): Series[] {
  const raw = uncompressSync(body, { asBuffer: true }) as Buffer;
  const message = WriteRequest.toObject(WriteRequest.decode(raw), { longs: Number, defaults: true }) as {
    timeseries?: Series[];
  };
  return message.timeseries ?? [];
}
