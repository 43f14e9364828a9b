import { normalizeGrafanaVersion } from './grafana-version';

describe('normalizeGrafanaVersion', () => {
  it.each([
    ['11_3_0', '11_3_0'],
    ['v2_0_3', '2_0_3'],
    ['2_0_3-123pre', '2_0_3'],
    ['2_0_3foobar', '2_0_3'],
    ['11.3.0+security-01', '11_3_0'],
    [' 10.4 ', '10_4'],
    ['foobar', 'unknown'],
    ['', 'unknown'],
    [12, 'unknown'],
    [undefined, 'unknown'],
  ])('%j -> %s', (raw, normalized) => {
    expect(normalizeGrafanaVersion(raw)).toBe(normalized);
  });
});
