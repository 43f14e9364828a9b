import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BodyError } from './body-error';
import { Family, formatFloat } from './metric-families';
import { isDelimitedProtobuf, parsePrometheusProtobuf } from './prometheus-protobuf.parser';
import { parsePrometheusText } from './prometheus-text.parser';

// Written by the official Go client (test/fixtures/prometheus-push/main.go).
const fixture = (name: string) => readFileSync(join(__dirname, '../../../../test/fixtures', name));
const sorted = (families: Family[]) =>
  families
    .map((f) => ({ ...f, samples: [...f.samples].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))) }))
    .sort((a, b) => a.name.localeCompare(b.name));

function errorOf(fn: () => unknown): BodyError {
  try {
    fn();
  } catch (err) {
    if (err instanceof BodyError) return err;
    throw err;
  }
  throw new Error('expected a BodyError');
}

describe('Prometheus push parsers', () => {
  it('decode the same push identically from text and from delimited protobuf', () => {
    const text = parsePrometheusText(fixture('prometheus-push/push.prom').toString('utf8'));
    const proto = parsePrometheusProtobuf(fixture('prometheus-push/push.pb'), 1000);
    expect(sorted(proto)).toEqual(sorted(text));
    const histogram = text.find((f) => f.name === 'http_request_duration_seconds')!;
    expect(histogram.type).toBe('histogram');
    expect(histogram.samples).toContainEqual({
      name: 'http_request_duration_seconds_bucket',
      labels: { method: 'POST', le: '+Inf' },
      value: 1,
    });
    expect(histogram.samples).toContainEqual({
      name: 'http_request_duration_seconds_sum',
      labels: { method: 'GET' },
      value: 0.503,
    });
    const summary = text.find((f) => f.name === 'rpc_duration_seconds')!;
    expect(summary).toMatchObject({ type: 'summary', help: 'RPC latency.' });
    expect(summary.samples).toHaveLength(4);
  });

  it('reads the InfluxDB sample push', () => {
    const families = parsePrometheusText(fixture('samples/push.txt').toString('utf8'));
    expect(families).toEqual([
      {
        name: 'influxdb_uptime_seconds',
        help: 'InfluxDB process uptime in seconds.',
        type: 'gauge',
        samples: [{ name: 'influxdb_uptime_seconds', labels: { id: '0867fa9d0c5b2000' }, value: 1.5e6 }],
      },
      {
        name: 'influxdb_buckets_total',
        help: 'Number of total buckets on the server',
        type: 'counter',
        samples: [{ name: 'influxdb_buckets_total', labels: { id: '0867fa9d0c5b2000' }, value: 4 }],
      },
    ]);
  });

  it('keeps the last sample without a trailing newline and spells special values', () => {
    const families = parsePrometheusText('a 1\nb{x="y"} NaN\nc +Inf');
    expect(families.map((f) => f.samples[0].value)).toEqual([1, 'NaN', '+Inf']);
  });

  it('rejects timestamps in both formats', () => {
    expect(errorOf(() => parsePrometheusText('a 1 1700000000000\n')).message).toBe(
      'pushed metrics must not have timestamps',
    );
    expect(errorOf(() => parsePrometheusProtobuf(fixture('prometheus-push/push-with-timestamp.pb'), 10)).message).toBe(
      'pushed metrics must not have timestamps',
    );
  });

  it.each([
    ['a{x="1" 1\n'],
    ['a{x=1} 1\n'],
    ['1abc 2\n'],
    ['a{__name__="x"} 1\n'],
    ['a one\n'],
    ['# TYPE a counter\na 1\n# TYPE a gauge\na 2\n'],
  ])('rejects malformed text %j with a 400', (text) => {
    expect(errorOf(() => parsePrometheusText(text)).status).toBe(400);
  });

  it('rejects garbage protobuf and caps samples', () => {
    expect(errorOf(() => parsePrometheusProtobuf(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 1]), 10)).status).toBe(400);
    expect(errorOf(() => parsePrometheusProtobuf(fixture('prometheus-push/push.pb'), 3)).status).toBe(413);
  });

  it('recognises the protobuf content type', () => {
    expect(
      isDelimitedProtobuf(
        'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited',
      ),
    ).toBe(true);
    expect(isDelimitedProtobuf('text/plain; version=0.0.4')).toBe(false);
  });

  it('formats floats as Go does', () => {
    expect([0.005, 1, 2.5, 1e6, 1.5e6, 123456, 1e-5, 0.0001, Infinity].map(formatFloat)).toEqual([
      '0.005',
      '1',
      '2.5',
      '1e+06',
      '1.5e+06',
      '123456',
      '1e-05',
      '0.0001',
      '+Inf',
    ]);
  });
});
