import { UsageError } from '../cli-errors';
import { parseKinds, parsePosition, parsePositiveInt, parseStore } from './parse-args';

describe('argument parsers', () => {
  it('reads kinds, comma-separated or repeated, and refuses unknown ones', () => {
    expect(parseKinds(undefined)).toBeUndefined();
    expect(parseKinds(['analytics,metrics', 'analytics'])).toEqual(['analytics', 'metrics']);
    expect(() => parseKinds(['analytics,pageviews'])).toThrow(
      new UsageError('--kind pageviews: unknown kind (one of usage_report, analytics, metrics)'),
    );
  });

  it('takes the only configured store by default and asks when there are several', () => {
    expect(parseStore(undefined, ['postgres'])).toBe('postgres');
    expect(parseStore('influxdb', ['postgres'])).toBe('influxdb');
    expect(() => parseStore(undefined, ['postgres', 'influxdb'])).toThrow(/choose one with --store/);
    expect(() => parseStore('mysql', ['postgres'])).toThrow(/--store mysql: unknown store/);
  });

  it('reads positive integers and partition:offset positions', () => {
    expect(parsePositiveInt('250', '--max-rate')).toBe(250);
    expect(parsePositiveInt(undefined, '--max-rate')).toBeUndefined();
    for (const bad of ['0', '-5', '1.5', 'fast']) expect(() => parsePositiveInt(bad, '--max-rate')).toThrow(UsageError);
    expect(parsePosition('2:0042')).toEqual({ partition: 2, offset: '42' });
    expect(() => parsePosition('2-42')).toThrow(/expected <partition>:<offset>/);
  });
});
