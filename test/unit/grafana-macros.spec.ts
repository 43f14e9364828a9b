import { expandMacros, grafanaSql, interpolateVariables } from '../support/grafana-macros';

const range = { from: new Date('2026-11-01T00:00:00.000Z'), to: new Date('2026-11-08T12:30:00.250Z') };

describe('Grafana PostgreSQL interpolation (the dashboard suites rely on it)', () => {
  it('quotes multi-value variables and inserts single values raw', () => {
    const vars = { host: { multi: true as const, values: ['a', "o'b"] }, days: { multi: false as const, value: "3'" } };
    expect(interpolateVariables('x IN ($host) AND y < ${days} AND z = [[days]] AND $unknown', vars, '5m')).toBe(
      "x IN ('a','o''b') AND y < 3'' AND z = 3'' AND $unknown",
    );
    expect(interpolateVariables('$__interval $__interval_ms', {}, '1h')).toBe('1h 3600000');
  });

  it('expands the time macros as macros.go does', () => {
    expect(expandMacros('WHERE $__timeFilter(t)', range)).toBe(
      "WHERE t BETWEEN '2026-11-01T00:00:00Z' AND '2026-11-08T12:30:00.25Z'",
    );
    expect(expandMacros('SELECT $__timeGroupAlias(t, 1d), $__timeGroup(t, 5m) AS x', range)).toBe(
      'SELECT floor(extract(epoch from t)/86400)*86400 AS "time", floor(extract(epoch from t)/300)*300 AS x',
    );
    expect(expandMacros('SELECT $__timeGroup(t, 1h), 1', range)).toBe(
      'SELECT floor(extract(epoch from t)/3600)*3600 AS "time", 1',
    );
    expect(expandMacros('$__timeFrom() $__unixEpochFilter(e)', range)).toBe(
      "'2026-11-01T00:00:00Z' e >= 1793491200 AND e <= 1794141000",
    );
  });

  it('fails on an unknown macro or interval, as Grafana does', () => {
    expect(() => expandMacros('$__nope(x)', range)).toThrow('unknown macro "__nope"');
    expect(() => grafanaSql('$__timeGroup(t, $__interval)', { range, interval: 'soon', vars: {} })).toThrow(
      'error parsing interval soon',
    );
  });
});
