import { scrubDeep, scrubInPlace, scrubText } from './scrub';

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

describe('scrubInPlace (the worker scrubs the tree it just parsed, without a copy)', () => {
  const tree = () =>
    JSON.parse(
      '{"stats.note":"mail admin@example.com","peer 10.0.0.1":2,"n":[1,"from 192.168.1.20",{"a@b.io":true}],' +
        '"deep":{"x":{"y":"fe80::1"}},"at 10:30:00":null}',
    ) as Record<string, unknown>;

  it('changes the given tree into what scrubDeep copies out', () => {
    const input = tree();
    const out = scrubInPlace(input, KEY);
    expect(out).toBe(input);
    expect(out).toEqual(scrubDeep(tree(), KEY));
    // Known answers: HMAC-SHA256 of "<kind>:<value>" with KEY, first 8 hex (computed with openssl).
    expect(input).toEqual({
      'stats.note': 'mail [email:570a15a7]',
      'peer [ip:1749139c]': 2,
      n: [1, 'from [ip:656dc469]', { '[email:9989334c]': true }],
      deep: { x: { y: '[ip:53012022]' } },
      'at 10:30:00': null,
    });
    expect(JSON.stringify(input)).not.toMatch(/example\.com|10\.0\.0\.1|192\.168|a@b\.io|fe80/);
  });

  it('drops a __proto__ member instead of leaving its text unscrubbed', () => {
    const input = JSON.parse('{"__proto__":"ops@example.com","keep":"x"}') as Record<string, unknown>;
    expect(Object.keys(input)).toContain('__proto__');
    scrubInPlace(input, KEY);
    expect(JSON.stringify(input)).toBe('{"keep":"x"}');
    expect(Object.getPrototypeOf(input)).toBe(Object.prototype);
  });

  it('returns a scrubbed copy of a lone string', () => {
    expect(scrubInPlace('db 10.0.0.1', KEY)).toBe('db [ip:1749139c]');
  });
});
