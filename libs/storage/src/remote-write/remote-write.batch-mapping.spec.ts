import { RemoteWriteBatchMapping } from './remote-write.batch-mapping';
import type { Series } from './remote-write.proto';
import type { ProcessedEvent } from '../store';

const panel = (id: string, uuid: string): ProcessedEvent => ({
  id,
  kind: 'analytics',
  receivedAt: 0,
  correlationId: 'c',
  source: { route: '/write' },
  payload: { uuid, type: 'start', time: 1, host: { hostname: 'g' }, dashboard: { name: 'D', uid: 'd1' } },
});
const usage = (id: string): ProcessedEvent => ({
  id,
  kind: 'usage_report',
  receivedAt: 7_000,
  correlationId: 'c',
  source: { route: '/api/usage' },
  payload: { version: '11.0.0', metrics: { 'stats.dashboards.count': 3 }, usageStatsId: 'inst-a' },
});
const named = (s: Series) => s.labels.find((l) => l.name === '__name__')?.value;

describe('RemoteWriteBatchMapping', () => {
  it('maps usage reports to gauges traced to their events, and panel starts to keyed session counters', async () => {
    const mapping = new RemoteWriteBatchMapping({ writerId: 'w', userLabels: false, now: () => 10_000 });
    const batch = await mapping.map([usage('u1'), panel('p1', 's1')]);
    expect(batch.series.map((s) => [named(s.series), s.events, s.key === undefined])).toEqual([
      ['grafana_usage_stats_dashboards_count', ['u1'], true],
      ['grafana_analytics_sessions_total', [], false],
      ['grafana_analytics_sessions_duration_seconds_total', [], false],
    ]);
  });

  it('moves the session totals only once the batch is committed', async () => {
    let now = 10_000;
    const mapping = new RemoteWriteBatchMapping({ writerId: 'w', userLabels: false, now: () => now });
    const sessions = (b: { series: Array<{ series: Series }> }) =>
      b.series.filter((s) => named(s.series) === 'grafana_analytics_sessions_total').map((s) => s.series.samples);
    const failed = await mapping.map([panel('p1', 's1')]);
    expect(sessions(failed)).toEqual([
      [
        { value: 0, timestamp: 9_999 },
        { value: 1, timestamp: 10_000 },
      ],
    ]);
    now = 20_000;
    const stored = await mapping.map([panel('p1', 's1')]);
    stored.markWritten(stored.series.flatMap((s) => (s.key ? [s.key] : [])));
    await stored.commit();
    now = 30_000;
    expect(sessions(await mapping.map([panel('p2', 's2')]))).toEqual([[{ value: 2, timestamp: 30_000 }]]);
  });
});
