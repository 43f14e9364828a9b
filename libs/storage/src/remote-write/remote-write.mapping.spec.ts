import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  addPushedSeries,
  addUsageSeries,
  normalizeLabels,
  sanitizeLabelName,
  SeriesSet,
  usageMetricName,
} from './remote-write.mapping';
import type { ProcessedEvent } from '../store';

const SAMPLES = join(__dirname, '../../../../test/fixtures/samples');
const sample = (name: string) => JSON.parse(readFileSync(join(SAMPLES, name), 'utf8'));
const ev = (kind: ProcessedEvent['kind'], payload: Record<string, unknown>, receivedAt = 1000): ProcessedEvent => ({
  id: 'e',
  kind,
  receivedAt,
  correlationId: 'c',
  source: { route: '/' },
  payload,
});

describe('remote write names and labels', () => {
  it.each([
    ['stats.dashboards.count', 'grafana_usage_stats_dashboards_count'],
    ['stats.ds.grafana-x.count', 'grafana_usage_stats_ds_grafana_x_count'],
    ['stats:ok', 'grafana_usage_stats:ok'],
  ])('usage metric %s -> %s', (metric, name) => expect(usageMetricName(metric)).toBe(name));

  it.each([
    ['bad-name', 'bad_name'],
    ['9lives', '_9lives'],
    ['ok_1', 'ok_1'],
    ['a:b', 'a_b'],
  ])('label %s -> %s', (raw, clean) => {
    expect(sanitizeLabelName(raw)).toBe(clean);
  });

  it('sorts by name, drops empty values and reserved names, keeps the last of duplicates', () => {
    expect(
      normalizeLabels('m', { zeta: '1', alpha: '', 'a-b': 'x', a_b: 'y', __meta: 'z', Upper: 'u', beta: undefined }),
    ).toEqual([
      { name: 'Upper', value: 'u' },
      { name: '__name__', value: 'm' },
      { name: 'a_b', value: 'y' },
      { name: 'zeta', value: '1' },
    ]);
  });
});

describe('SeriesSet', () => {
  it('groups samples per series in time order, one per timestamp (the last wins)', () => {
    const set = new SeriesSet();
    const labels = normalizeLabels('m', { a: '1' });
    set.add(labels, 3, 30);
    set.add(labels, 1, 10);
    set.add(normalizeLabels('m', { a: '1' }), 2, 10);
    set.add(normalizeLabels('m', { a: '2' }), 9, 10);
    expect(set.size).toBe(2);
    expect(set.list()[0].samples).toEqual([
      { value: 2, timestamp: 10 },
      { value: 3, timestamp: 30 },
    ]);
  });
});

describe('series of events', () => {
  it('usage report: one gauge per numeric metric with the instance labels, at receivedAt', () => {
    const report = sample('grafana-usage-report.json');
    report.metrics['stats.flag'] = true;
    const set = new SeriesSet();
    addUsageSeries(set, ev('usage_report', report, 5000));
    const series = set.list();
    expect(series).toHaveLength(14);
    expect(series.find((s) => s.labels[0].value === 'grafana_usage_stats_dashboards_count')).toEqual({
      labels: [
        { name: '__name__', value: 'grafana_usage_stats_dashboards_count' },
        { name: 'arch', value: 'arm64' },
        { name: 'edition', value: 'oss' },
        { name: 'instance', value: report.usageStatsId },
        { name: 'os', value: 'linux' },
        { name: 'packaging', value: 'deb' },
        { name: 'version', value: '10_4_1' },
      ],
      samples: [{ value: 7, timestamp: 5000 }],
    });
  });

  it('pushed samples pass through with job and grouping labels and special values', () => {
    const set = new SeriesSet();
    addPushedSeries(
      set,
      ev(
        'metrics',
        {
          job: 'j',
          grouping: { instance: 'i' },
          families: [
            {
              name: 'h',
              type: 'histogram',
              samples: [
                { name: 'h_bucket', labels: { le: '+Inf', instance: 'mine' }, value: '+Inf' },
                { name: 'h_sum', labels: {}, value: 'NaN' },
              ],
            },
          ],
        },
        7,
      ),
    );
    const series = set.list();
    expect(series[0]).toEqual({
      labels: [
        { name: '__name__', value: 'h_bucket' },
        { name: 'instance', value: 'i' },
        { name: 'job', value: 'j' },
        { name: 'le', value: '+Inf' },
      ],
      samples: [{ value: Infinity, timestamp: 7 }],
    });
    expect(series[1].samples[0].value).toBeNaN();
  });
});
