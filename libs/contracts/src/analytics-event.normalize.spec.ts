import { normalizeAnalyticsEvent } from './analytics-event.normalize';

describe('normalizeAnalyticsEvent', () => {
  it('folds keys flattened by the panel (flat, "." delimiter) back into objects and arrays', () => {
    const flat = {
      uuid: 'u1',
      type: 'start',
      time: 1618803734,
      'host.hostname': 'grafana.example',
      'host.port': '3000',
      'host.buildInfo.version': '10.4.1',
      'dashboard.uid': 'abc',
      'dashboard.name': 'Ops',
      'variables.0.name': 'env',
      'variables.0.values.0': 'prod',
      'variables.0.values.1': 'dev',
      'variables.1.name': 'region',
      'options.heartbeatInterval': 60,
    };
    expect(normalizeAnalyticsEvent(flat)).toEqual({
      uuid: 'u1',
      type: 'start',
      time: 1618803734,
      host: { hostname: 'grafana.example', port: '3000', buildInfo: { version: '10.4.1' } },
      dashboard: { uid: 'abc', name: 'Ops' },
      variables: [{ name: 'env', values: ['prod', 'dev'] }, { name: 'region' }],
      options: { heartbeatInterval: 60 },
    });
  });

  it('reads an empty, unknown or missing type as a heartbeat and drops null fields, like the Go server', () => {
    expect(normalizeAnalyticsEvent({ uuid: '', type: '' })).toEqual({ uuid: '', type: 'heartbeat' });
    expect(normalizeAnalyticsEvent({ type: 'focus', uuid: null, host: { hostname: null, port: '3000' } })).toEqual({
      type: 'heartbeat',
      host: { port: '3000' },
    });
    expect(normalizeAnalyticsEvent({ type: 'end' })).toEqual({ type: 'end' });
    expect(normalizeAnalyticsEvent({})).toEqual({ type: 'heartbeat' });
  });

  it('keeps keys it cannot fold safely as they came', () => {
    const event = normalizeAnalyticsEvent(
      JSON.parse(
        '{"type":"start","a..b":1,".x":2,"__proto__.polluted":3,"host":"h","host.hostname":"x","ids.0":1,"ids.2":2}',
      ),
    ) as Record<string, unknown>;
    expect(event).toEqual({
      type: 'start',
      'a..b': 1,
      '.x': 2,
      '__proto__.polluted': 3,
      host: 'h',
      'host.hostname': 'x',
      ids: { 0: 1, 2: 2 },
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const deep = `{"${Array.from({ length: 20 }, (_, i) => `k${i}`).join('.')}":1}`;
    expect(Object.keys(normalizeAnalyticsEvent(JSON.parse(deep)) as object)).toEqual([
      'k0.k1.k2.k3.k4.k5.k6.k7.k8.k9.k10.k11.k12.k13.k14.k15.k16.k17.k18.k19',
      'type',
    ]);
  });

  it('leaves anything but an object to the schema', () => {
    expect(normalizeAnalyticsEvent([1])).toEqual([1]);
    expect(normalizeAnalyticsEvent('x')).toBe('x');
    expect(normalizeAnalyticsEvent(null)).toBeNull();
  });
});
