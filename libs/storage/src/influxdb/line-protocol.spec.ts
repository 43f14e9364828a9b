import { escapeKey, escapeMeasurement, escapeStringField, formatPoint, fromMillis } from './line-protocol';

describe('line protocol escaping', () => {
  it.each([
    ['cpu load', 'cpu\\ load'],
    ['a,b', 'a\\,b'],
    ['a=b', 'a=b'],
    ['#comment', '_#comment'],
    ['trailing\\', 'trailing'],
    ['new\nline', 'new\\ line'],
    ['C:\\dir\\ x', 'C:\\dir\\\\\\ x'],
  ])('measurement %j -> %j', (raw, escaped) => {
    expect(escapeMeasurement(raw)).toBe(escaped);
  });

  it.each([
    ['host name', 'host\\ name'],
    ['k,v', 'k\\,v'],
    ['k=v', 'k\\=v'],
    ['a "quoted" value', 'a\\ "quoted"\\ value'],
    ['ends with \\', 'ends\\ with\\ '],
    ['a\\,b', 'a\\\\\\,b'],
    ['two\\\\=x', 'two\\\\\\\\\\=x'],
    ['C:\\path', 'C:\\path'],
    ['tab\there', 'tab\\ here'],
    ['ünïcødé ✓', 'ünïcødé\\ ✓'],
  ])('tag key/value %j -> %j', (raw, escaped) => {
    expect(escapeKey(raw)).toBe(escaped);
  });

  it.each([
    ['say "hi"', 'say \\"hi\\"'],
    ['C:\\path\\', 'C:\\\\path\\\\'],
    ['commas, spaces = fine', 'commas, spaces = fine'],
    ['line\nbreak', 'line break'],
  ])('string field %j -> %j', (raw, escaped) => {
    expect(escapeStringField(raw)).toBe(escaped);
  });
});

describe('formatPoint', () => {
  it('sorts tags, drops empty ones, types fields', () => {
    const line = formatPoint({
      measurement: 'm',
      tags: { z: '1', a: '2', empty: '', '': 'x' },
      fields: { f: 1.5, i: { int: 3 }, b: true, s: 'x y' },
      timestamp: 123n,
    });
    expect(line).toBe('m,a=2,z=1 f=1.5,i=3i,b=true,s="x y" 123');
  });

  it('renames the reserved key "time" and keeps one of two keys that clean to the same text', () => {
    const line = formatPoint({
      measurement: 'm',
      tags: { time: 'a', 'k\\': 'x', k: 'y' },
      fields: { time: 1 },
      timestamp: 1,
    });
    expect(line).toBe('m,_time=a,k=y _time=1 1');
  });

  it('leaves out non-finite and unsafe values, and the whole point when no field is left', () => {
    expect(formatPoint({ measurement: 'm', tags: {}, fields: { a: NaN, b: Infinity, c: 1 }, timestamp: 1 })).toBe(
      'm c=1 1',
    );
    expect(
      formatPoint({ measurement: 'm', tags: {}, fields: { a: NaN, big: { int: 2 ** 60 } }, timestamp: 1 }),
    ).toBeUndefined();
    expect(formatPoint({ measurement: '\\', tags: {}, fields: { a: 1 }, timestamp: 1 })).toBeUndefined();
  });

  it('formats large and small floats so InfluxDB parses them', () => {
    expect(formatPoint({ measurement: 'm', tags: {}, fields: { a: 1e21, b: -2.5e-7 }, timestamp: 1 })).toBe(
      'm a=1e+21,b=-2.5e-7 1',
    );
  });
});

describe('fromMillis', () => {
  it('converts exactly for each precision', () => {
    const ms = 1_700_000_000_123;
    expect(fromMillis(ms, 'ns')).toBe(1_700_000_000_123_000_000n);
    expect(fromMillis(ms, 'us')).toBe(1_700_000_000_123_000n);
    expect(fromMillis(ms, 'ms')).toBe(1_700_000_000_123n);
    expect(fromMillis(ms, 's')).toBe(1_700_000_000n);
  });
});
