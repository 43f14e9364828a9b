import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyticsTimestamp, fieldFor, pointsFor } from './influxdb.mapping';
import type { ProcessedEvent } from '../store';

const SAMPLES = join(__dirname, '../../../../test/fixtures/samples');
const sample = (name: string) => JSON.parse(readFileSync(join(SAMPLES, name), 'utf8'));
const ev = (kind: ProcessedEvent['kind'], payload: Record<string, unknown>, id = 'e1'): ProcessedEvent => ({
  id,
  kind,
  receivedAt: 1_700_000_000_123,
  correlationId: 'c',
  source: { route: '/' },
  payload,
});

describe('InfluxDB mapping', () => {
  it('usage report: grafana_usage_report, instance tags, one float field per numeric metric', () => {
    const report = sample('grafana-usage-report.json');
    report.metrics['stats.text'] = 'not a number';
    const [p] = pointsFor(ev('usage_report', report), 'ms');
    expect(p.measurement).toBe('grafana_usage_report');
    expect(p.tags).toEqual({
      version: '10_4_1',
      edition: 'oss',
      os: 'linux',
      arch: 'arm64',
      packaging: 'deb',
      instance: report.usageStatsId,
    });
    expect(p.fields['stats.dashboards.count']).toBe(7);
    expect(p.fields['stats.text']).toBeUndefined();
    expect(p.fields.numeric_metrics).toEqual({ int: 14 });
    expect(p.timestamp).toBe(1_700_000_000_123n);
  });

  it('panel event: grafana_analytics with dashboard/host/role tags at its own time', () => {
    const [p] = pointsFor(ev('analytics', sample('analytics-panel-start.json')), 's');
    expect(p.measurement).toBe('grafana_analytics');
    expect(p.tags).toMatchObject({
      event_type: 'start',
      dashboard_uid: 'b_1UbypGz',
      dashboard_name: 'New Dashboard 1234',
      grafana_host: 'localhost:3000',
      grafana_env: 'production',
      user_role: 'admin',
      org_role: 'Admin',
      user_theme: 'dark',
    });
    expect(p.tags.user_login).toBeUndefined();
    expect(p.fields).toEqual({
      events: { int: 1 },
      session_id: 'e6cf6890-9469-49e6-927d-ea57c10f5a4f',
      has_focus: true,
    });
    expect(p.timestamp).toBe(1618803734n);
  });

  it('places panel events at a stable sub-second offset derived from the event id', () => {
    const e1 = ev('analytics', {}, 'a');
    const e2 = ev('analytics', {}, 'b');
    const t1 = analyticsTimestamp(e1, 1618803734, 'ns');
    expect(analyticsTimestamp(e1, 1618803734, 'ns')).toBe(t1);
    expect(analyticsTimestamp(e2, 1618803734, 'ns')).not.toBe(t1);
    expect(t1 / 1_000_000_000n).toBe(1618803734n);
    expect(analyticsTimestamp(e1, undefined, 'ms')).toBe(1_700_000_000_123n);
  });

  it.each([
    ['counter', 'c_total', {}, 'counter'],
    ['gauge', 'g', {}, 'gauge'],
    ['untyped', 'u', {}, 'value'],
    ['summary', 's', { quantile: '0.99' }, '0.99'],
    ['summary', 's_sum', {}, 'sum'],
    ['summary', 's_count', {}, 'count'],
    ['histogram', 'h_bucket', { le: '+Inf' }, '+Inf'],
    ['histogram', 'h_sum', {}, 'sum'],
    ['histogram', 'h_created', {}, 'created'],
  ])('%s sample %s %j -> field %s', (type, name, labels, field) => {
    expect(
      fieldFor({ name: name.replace(/_(total|sum|count|bucket|created)$/, ''), type, samples: [] }, name, labels),
    ).toBe(field);
  });

  it('pushed samples: one point per label set, quantiles and buckets as fields, job and grouping as tags', () => {
    const push = {
      op: 'post',
      job: 'node',
      grouping: { instance: 'n1' },
      families: [
        {
          name: 'h',
          type: 'histogram',
          samples: [
            { name: 'h_bucket', labels: { le: '1', path: '/a' }, value: 2 },
            { name: 'h_bucket', labels: { le: '+Inf', path: '/a' }, value: 3 },
            { name: 'h_sum', labels: { path: '/a' }, value: 4.5 },
            { name: 'h_count', labels: { path: '/a' }, value: 3 },
            { name: 'h_count', labels: { path: '/b' }, value: 1 },
          ],
        },
        { name: 'g', type: 'gauge', samples: [{ name: 'g', labels: { job: 'pushed' }, value: '+Inf' }] },
      ],
    };
    const points = pointsFor(ev('metrics', push), 'ms');
    expect(points).toEqual([
      {
        measurement: 'h',
        tags: { path: '/a', job: 'node', instance: 'n1' },
        fields: { '1': 2, '+Inf': 3, sum: 4.5, count: 3 },
        timestamp: 1_700_000_000_123n,
      },
      {
        measurement: 'h',
        tags: { path: '/b', job: 'node', instance: 'n1' },
        fields: { count: 1 },
        timestamp: 1_700_000_000_123n,
      },
      {
        measurement: 'g',
        tags: { job: 'node', instance: 'n1' },
        fields: { gauge: Infinity },
        timestamp: 1_700_000_000_123n,
      },
    ]);
  });

  it('reads reshaped payloads defensively', () => {
    expect(pointsFor(ev('usage_report', { metrics: 'gone' }), 'ms')[0].fields).toEqual({ numeric_metrics: { int: 0 } });
    expect(pointsFor(ev('analytics', { dashboard: null, user: 5 }), 'ms')[0].tags).toEqual({});
    expect(pointsFor(ev('metrics', { families: [{ samples: [] }, null] }), 'ms')).toEqual([]);
  });
});
