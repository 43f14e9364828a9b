import { scrubDeep, scrubText } from './scrub';

const KEY = 'k'.repeat(32);

describe('scrubDeep on repeated object keys (the clean-key memo)', () => {
  it('gives the same result the first and the second time a key is seen', () => {
    const report = { 'stats.dashboards.count': 3, 'admin@example.com': 1, 'peer 10.0.0.1': 2, 'at 10:30:00': 4 };
    const first = scrubDeep(report, KEY);
    const second = scrubDeep(report, KEY);
    expect(second).toEqual(first);
    expect(Object.keys(first as object)).toEqual([
      'stats.dashboards.count',
      scrubText('admin@example.com', KEY),
      scrubText('peer 10.0.0.1', KEY),
      'at 10:30:00',
    ]);
    expect(JSON.stringify(second)).not.toMatch(/example\.com|10\.0\.0\.1/);
  });

  it('still scrubs addresses in text that the quick pre-checks must not skip', () => {
    expect(scrubText('v1.2 from 192.168.1.20', KEY)).not.toContain('192.168.1.20');
    expect(scrubText('from fe80::1 at 10:30', KEY)).not.toContain('fe80::1');
    expect(scrubText('2001:db8:0:0:0:0:2:1', KEY)).not.toContain('2001:db8');
    expect(scrubText('version 11.3.0 at 10:30', KEY)).toBe('version 11.3.0 at 10:30');
  });
});
