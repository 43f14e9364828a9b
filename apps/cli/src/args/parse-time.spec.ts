import { UsageError } from '../cli-errors';
import { parseRange, parseTime } from './parse-time';

const NOW = Date.parse('2024-05-10T12:00:00Z');

describe('parseTime', () => {
  it.each([
    ['-2h', NOW - 2 * 3_600_000],
    ['-7d', NOW - 7 * 86_400_000],
    ['-30m', NOW - 30 * 60_000],
    ['-1w', NOW - 604_800_000],
    ['-1.5h', NOW - 5_400_000],
    ['now', NOW],
    ['2024-05-01', Date.parse('2024-05-01T00:00:00Z')],
    ['2024-05-01T10:30', Date.parse('2024-05-01T10:30:00Z')],
    ['2024-05-01T10:30:15.250Z', Date.parse('2024-05-01T10:30:15.250Z')],
    ['2024-05-01T10:30:00+02:00', Date.parse('2024-05-01T08:30:00Z')],
    ['2024-05-01 10:30:00', Date.parse('2024-05-01T10:30:00Z')],
  ])('reads %s', (input, expected) => {
    expect(parseTime(input, '--from', NOW)).toBe(expected);
  });

  it.each(['yesterday', '2h', '-2x', '2024-13-45', '1714550400000', ''])(
    'refuses %j with a usage error naming the option',
    (input) => {
      expect(() => parseTime(input, '--from', NOW)).toThrow(UsageError);
      expect(() => parseTime(input, '--from', NOW)).toThrow(/^--from .*not a time; use ISO-8601/);
    },
  );
});

describe('parseRange', () => {
  it('defaults --to to now', () => {
    expect(parseRange('-1h', undefined, NOW)).toEqual({ fromMs: NOW - 3_600_000, toMs: NOW });
  });

  it('refuses --to before --from, an empty range and a future --from', () => {
    expect(() => parseRange('-1h', '-2h', NOW)).toThrow(/--to "-2h" .* is not after --from "-1h"/);
    expect(() => parseRange('-1h', '-1h', NOW)).toThrow(UsageError);
    expect(() => parseRange('2030-01-01', undefined, NOW)).toThrow(/is in the future/);
  });
});
