import { SESSION_SECONDS_TOTAL, SESSIONS_TOTAL, SessionCounters } from './remote-write.counters';
import type { Series } from './remote-write.proto';
import type { ProcessedEvent } from '../store';

let n = 0;
const panel = (uuid: string, type: string, time: number, extra: Record<string, unknown> = {}): ProcessedEvent => ({
  id: `${uuid}-${type}-${time}-${n++}`,
  kind: 'analytics',
  receivedAt: 0,
  correlationId: 'c',
  source: { route: '/write' },
  payload: {
    uuid,
    type,
    time,
    host: { hostname: 'g', port: '3000', buildInfo: { env: 'prod' } },
    dashboard: { name: 'D', uid: 'd1' },
    user: { login: 'bob', isGrafanaAdmin: false, hasEditPermissionInFolders: true, lightTheme: true },
    ...extra,
  },
});
const label = (s: Series, name: string) => s.labels.find((l) => l.name === name)?.value;
const values = (series: Array<{ series: Series }>, metric: string) =>
  series.filter((s) => label(s.series, '__name__') === metric).map((s) => s.series.samples);

describe('SessionCounters', () => {
  it("counts starts and the gaps between a session's events, labelled like the reference server", () => {
    const c = new SessionCounters('w1', true);
    const p = c.prepare(
      [panel('s1', 'start', 100), panel('s1', 'heartbeat', 160), panel('s1', 'end', 190), panel('s2', 'start', 100)],
      10_000,
    );
    expect(values(p.series, SESSIONS_TOTAL)).toEqual([
      [
        { value: 0, timestamp: 9_999 },
        { value: 2, timestamp: 10_000 },
      ],
    ]);
    expect(values(p.series, SESSION_SECONDS_TOTAL)).toEqual([
      [
        { value: 0, timestamp: 9_999 },
        { value: 90, timestamp: 10_000 },
      ],
    ]);
    const s = p.series[0].series;
    expect(Object.fromEntries(s.labels.map((l) => [l.name, l.value]))).toEqual({
      __name__: SESSIONS_TOTAL,
      dashboard_name: 'D',
      dashboard_uid: 'd1',
      grafana_env: 'prod',
      grafana_host: 'g:3000',
      user_login: 'bob',
      user_role: 'editor',
      user_theme: 'light',
      writer: 'w1',
    });
  });

  it('moves totals only on commit; the 0 sample is sent until a write lands', () => {
    const c = new SessionCounters('w', false);
    const first = c.prepare([panel('a', 'start', 1)], 1000);
    expect(values(first.series, SESSIONS_TOTAL)).toEqual([
      [
        { value: 0, timestamp: 999 },
        { value: 1, timestamp: 1000 },
      ],
    ]);
    // not committed (the write failed): the retry sends the same total, with a later timestamp
    const retry = c.prepare([panel('a', 'start', 1)], 1000);
    expect(values(retry.series, SESSIONS_TOTAL)).toEqual([
      [
        { value: 0, timestamp: 1000 },
        { value: 1, timestamp: 1001 },
      ],
    ]);
    retry.markWritten(retry.series.map((s) => s.key));
    retry.commit();
    const next = c.prepare([panel('b', 'start', 2)], 5000);
    expect(values(next.series, SESSIONS_TOTAL)).toEqual([[{ value: 2, timestamp: 5000 }]]);
    expect(label(next.series[0].series, 'user_login')).toBeUndefined();
  });

  it('does not count an event twice once committed, and ignores other kinds', () => {
    const c = new SessionCounters('w', true);
    const e = panel('a', 'start', 1);
    c.prepare([e, e], 10).commit();
    const replay = c.prepare([e, { ...e, id: 'x', kind: 'usage_report' }], 20);
    expect(replay.series).toEqual([]);
  });

  it('continues a session across batches; a session first seen mid-way adds nothing', () => {
    const c = new SessionCounters('w', true);
    c.prepare([panel('a', 'start', 100)], 10).commit();
    const p = c.prepare([panel('a', 'heartbeat', 130), panel('z', 'heartbeat', 500), panel('a', 'end', 129)], 20);
    expect(values(p.series, SESSION_SECONDS_TOTAL)).toEqual([
      [
        { value: 0, timestamp: 19 },
        { value: 30, timestamp: 20 },
      ],
    ]);
  });
});
