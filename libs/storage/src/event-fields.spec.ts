import { analyticsView, metricsView, pushedLabels, sampleValue, usageView } from './event-fields';

describe('payload views', () => {
  it('keep only values of the expected type', () => {
    expect(usageView({ version: 7, os: { x: 1 }, metrics: { a: 1, b: '2', c: NaN, d: null } })).toMatchObject({
      version: '7',
      os: undefined,
      numericMetrics: [['a', 1]],
    });
  });

  it.each([
    [{ isGrafanaAdmin: true, hasEditPermissionInFolders: false }, 'admin'],
    [{ isGrafanaAdmin: false, hasEditPermissionInFolders: true }, 'editor'],
    [{ isGrafanaAdmin: false }, 'user'],
    [{}, undefined],
  ])('user role of %j is %s (as the reference server derives it)', (user, role) => {
    expect(analyticsView({ user }).userRole).toBe(role);
  });

  it('host is hostname:port when a port is known', () => {
    expect(analyticsView({ host: { hostname: 'g', port: 3000 } }).grafanaHost).toBe('g:3000');
    expect(analyticsView({ host: { hostname: 'g' } }).grafanaHost).toBe('g');
  });

  it('sample values spelled as Prometheus does', () => {
    expect([sampleValue(1), sampleValue('+Inf'), sampleValue('-Inf'), sampleValue('x')]).toEqual([
      1,
      Infinity,
      -Infinity,
      undefined,
    ]);
    expect(sampleValue('NaN')).toBeNaN();
  });

  it("grouping labels and the job win over a sample's own labels", () => {
    const view = metricsView({
      job: 'j',
      grouping: { instance: 'g' },
      families: [{ name: 'm', samples: [{ labels: { job: 'x', instance: 'y', a: 'b' }, value: 1 }] }],
    });
    expect(view.families[0]).toEqual({
      name: 'm',
      type: 'untyped',
      samples: [{ name: 'm', labels: { job: 'x', instance: 'y', a: 'b' }, value: 1 }],
    });
    expect(pushedLabels(view, view.families[0].samples[0])).toEqual({ job: 'j', instance: 'g', a: 'b' });
  });
});
