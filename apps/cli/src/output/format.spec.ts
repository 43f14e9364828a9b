import { count, duration, table } from './format';

describe('output formatting', () => {
  it('formats counts and durations for people', () => {
    expect(count(1234567)).toBe('1,234,567');
    expect([850, 42_000, 185_000, 7_440_000, 273_600_000].map(duration)).toEqual([
      '850ms',
      '42s',
      '3m 05s',
      '2h 04m',
      '3d 04h',
    ]);
    expect(duration(Infinity)).toBe('?');
  });

  it('aligns table columns, numbers to the right', () => {
    expect(
      table(
        ['reason', 'count'],
        [
          ['invalid_json', '3'],
          ['rules_failed', '1,204'],
        ],
      ),
    ).toBe(['reason        count', 'invalid_json      3', 'rules_failed  1,204'].join('\n'));
  });
});
