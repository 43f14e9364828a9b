import { Writer } from 'protobufjs';
import { BodyError } from './body-error';
import { parsePrometheusProtobuf } from './prometheus-protobuf.parser';
import { parsePrometheusText } from './prometheus-text.parser';

// Bodies that are small on the wire (or linear) but expand: each is refused after bounded work.
// Time bounds are loose (the test machine is shared); before counting while decoding, the
// bucket bomb took 5-6 s and the 10 MB text body over 3 s.
const MB = 1024 * 1024;

/** One delimited MetricFamily: a histogram whose one metric has `buckets` empty buckets. */
function histogramBomb(buckets: number): Buffer {
  const histogram = Buffer.alloc(buckets * 2);
  for (let i = 0; i < buckets; i++) histogram[i * 2] = 0x1a; // field 3 (bucket), length 0
  const metric = new Writer()
    .uint32((7 << 3) | 2)
    .bytes(histogram)
    .finish();
  const family = new Writer()
    .uint32((1 << 3) | 2)
    .string('bomb')
    .uint32((3 << 3) | 0)
    .int32(4)
    .uint32((4 << 3) | 2)
    .bytes(metric)
    .finish();
  return Buffer.from(new Writer().bytes(family).finish());
}

function refusal(fn: () => unknown): { status: number; message: string; ms: number } {
  const started = performance.now();
  try {
    fn();
  } catch (err) {
    if (err instanceof BodyError) return { status: err.status, message: err.message, ms: performance.now() - started };
    throw err;
  }
  throw new Error('expected a BodyError');
}

describe('push bombs', () => {
  it('refuses 4.9 M empty histogram buckets (9.8 MB) at the sample cap, without decoding them all', () => {
    const r = refusal(() => parsePrometheusProtobuf(histogramBomb(4_900_000), 10_000, 10 * MB));
    expect([r.status, r.message]).toEqual([413, 'push has more than 10000 samples']);
    expect(r.ms).toBeLessThan(500);
  });

  it('refuses a series with more labels than allowed, in both formats', () => {
    const labels = Array.from({ length: 200 }, (_, i) => `l${i}="v"`).join(',');
    expect(refusal(() => parsePrometheusText(`a{${labels}} 1\n`, { maxSamples: 10, maxBytes: MB })).message).toBe(
      'a series has more than 128 labels',
    );
    const metric = new Writer();
    for (let i = 0; i < 200; i++)
      metric
        .uint32((1 << 3) | 2)
        .fork()
        .uint32((1 << 3) | 2)
        .string(`l${i}`)
        .ldelim();
    const family = new Writer()
      .uint32((1 << 3) | 2)
      .string('a')
      .uint32((4 << 3) | 2)
      .bytes(metric.finish())
      .finish();
    const body = Buffer.from(new Writer().bytes(family).finish());
    expect(refusal(() => parsePrometheusProtobuf(body, 10, MB)).message).toBe('a series has more than 128 labels');
  });

  it('refuses samples whose repeated labels expand past the byte bound', () => {
    const value = 'v'.repeat(100_000);
    const text = `# TYPE h histogram\n${Array.from({ length: 50 }, (_, i) => `h_bucket{big="${value}",le="${i}"} 1`).join('\n')}\n`;
    expect(refusal(() => parsePrometheusText(text, { maxSamples: 10_000, maxBytes: 2 * MB })).message).toBe(
      `push expands to more than ${2 * MB} bytes of samples`,
    );
  });

  it('stops a 10 MB text body of tiny samples at the cap, quickly', () => {
    const text = 'a 1\n'.repeat(2_500_000);
    const r = refusal(() => parsePrometheusText(text, { maxSamples: 10_000, maxBytes: 10 * MB }));
    expect([r.status, r.message]).toEqual([413, 'push has more than 10000 samples']);
    expect(r.ms).toBeLessThan(500);
  });

  it('reads 10,000 samples with labels', () => {
    const text = Array.from({ length: 10_000 }, (_, i) => `req_total{path="/api/${i}",code="200"} ${i}`).join('\n');
    const started = performance.now();
    const families = parsePrometheusText(text, { maxSamples: 10_000, maxBytes: 10 * MB });
    expect(families[0].samples).toHaveLength(10_000);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
