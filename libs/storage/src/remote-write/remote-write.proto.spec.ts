import { uncompressSync } from 'snappy';
import { decodeWriteRequest, encodeWriteRequest } from './remote-write.proto';

describe('WriteRequest encoding', () => {
  it('round-trips series, including special float values and ms timestamps', () => {
    const series = [
      {
        labels: [
          { name: '__name__', value: 'm' },
          { name: 'a', value: 'ü' },
        ],
        samples: [
          { value: 1.5, timestamp: 1_700_000_000_123 },
          { value: Infinity, timestamp: 1_700_000_000_124 },
        ],
      },
      { labels: [{ name: '__name__', value: 'n' }], samples: [{ value: -0.25, timestamp: 0 }] },
    ];
    expect(decodeWriteRequest(encodeWriteRequest(series))).toEqual(series);
  });

  it('writes the upstream field numbers (timeseries=1, labels=1, samples=2, value=1 double, timestamp=2 int64)', () => {
    const raw = uncompressSync(
      encodeWriteRequest([{ labels: [{ name: 'a', value: 'b' }], samples: [{ value: 1, timestamp: 2 }] }]),
      { asBuffer: true },
    ) as Buffer;
    // 0a LEN { 0a LEN { 0a 01 'a' 12 01 'b' } 12 LEN { 09 <double 1> 10 02 } }
    expect(raw.toString('hex')).toBe('0a150a060a0161120162120b09000000000000f03f1002');
  });

  it('encodes an empty request (used as the health check)', () => {
    expect(decodeWriteRequest(encodeWriteRequest([]))).toEqual([]);
  });
});
