import { decodeEnvelope, encodeEnvelope, encodeEnvelopeSpliced } from './envelope.codec';
import { Envelope } from './envelope';
import { PARSE_FIRST_CHARS, parseGuardedJson, walkJson } from './json-guards';

/** The same JSON text, long enough to take the scan-first path (trailing whitespace is insignificant). */
const long = (text: string) => text + ' '.repeat(PARSE_FIRST_CHARS);

describe('parseGuardedJson: both paths give the same answer', () => {
  it.each([
    ['{"a":[1,{"b":"[[[["}],"c":"constructor"}'],
    ['{"a":'],
    ['['.repeat(40)],
    [`${'['.repeat(33)}${']'.repeat(33)}`],
    [`${'['.repeat(32)}${']'.repeat(32)}`],
    [`{"a":${'{"b":'.repeat(32)}1${'}'.repeat(33)}`],
    ['{"__proto__":{"polluted":true}}'],
    ['{"a":[{"constructor":{"prototype":{}}}]}'],
    ['{"\\u005f_proto__":1}'],
    ['{"a":{"__proto__":1},"b":{"constructor":1}}'],
    [`{"deep":${'['.repeat(40)}${']'.repeat(40)},"__proto__":1}`],
    ['{"v":"\\ud800"}'],
    ['{"v":["\\u0000"]}'],
    ['{"v":1e400,"w":"\\udfff"}'],
    ['{"v":-1E+999}'],
    [`{"v":1${'0'.repeat(400)}}`],
    ['{"v":"\\ud83d\\ude00","n":1e300,"t":"\\\\u0000"}'],
    ['"just a string"'],
    ['12'],
    ['null'],
  ])('%s', (text) => {
    const short = parseGuardedJson(text, 32);
    expect(parseGuardedJson(long(text), 32)).toEqual(short);
    const unchecked = { storable: false };
    expect(parseGuardedJson(long(text), 32, unchecked)).toEqual(parseGuardedJson(text, 32, unchecked));
  });

  it('answers with the documented failures on the parse-first path', () => {
    const tooDeep = { ok: false, failure: 'invalid', reason: 'JSON nested deeper than 32 levels' };
    expect(parseGuardedJson(`${'['.repeat(40)}`, 32)).toEqual(tooDeep);
    expect(parseGuardedJson(`${'['.repeat(33)}${']'.repeat(33)}`, 32)).toEqual(tooDeep);
    expect(parseGuardedJson('{"a":{"__proto__":1}}', 32)).toEqual({
      ok: false,
      failure: 'invalid',
      reason: 'forbidden key "__proto__" in JSON',
    });
    expect(parseGuardedJson('{"v":1e400}', 32)).toEqual({
      ok: false,
      failure: 'invalid',
      reason: 'number at /v is outside the float64 range',
    });
    expect(parseGuardedJson('{"v":1e400}', 32, { storable: false })).toEqual({ ok: true, value: { v: Infinity } });
  });
});

describe('walkJson', () => {
  it('counts depth like brackets, and flags forbidden keys and infinities', () => {
    expect(walkJson([[[]]], 3)).toEqual({ tooDeep: false, forbiddenKey: false, nonFinite: false });
    expect(walkJson([[[[]]]], 3)).toEqual({ tooDeep: true, forbiddenKey: false, nonFinite: false });
    expect(walkJson({ a: [1, { constructor: -Infinity }] }, 3)).toEqual({
      tooDeep: false,
      forbiddenKey: true,
      nonFinite: true,
    });
    expect(walkJson('text', 0)).toEqual({ tooDeep: false, forbiddenKey: false, nonFinite: false });
  });
});

describe('encodeEnvelopeSpliced', () => {
  const source = { route: '/r', ip: '::1', userAgent: 'grafana/11 "x" é' };
  const receivedAt = 1_700_000_000_123;
  const head = { v: 1, id: 'abc', kind: 'usage_report', receivedAt, correlationId: 'c1', source } as const;

  it('decodes to the same envelope as the re-serialised payload', () => {
    const metrics = '{ "a": 1e2, "b": "caf\\u00e9 ✓", "c": [true, null, -0.5] }';
    const text = `{\n "version": "11_3_0",\n "metrics": ${metrics},\n "usageStatsId": "u"\n}\n`;
    const spliced = encodeEnvelopeSpliced(head, Buffer.from(text));
    const whole = encodeEnvelope({ ...head, payload: JSON.parse(text) } as Envelope);
    expect(JSON.parse(spliced.toString('utf8'))).toEqual(JSON.parse(whole.toString('utf8')));
    expect(decodeEnvelope(spliced)).toEqual(decodeEnvelope(whole));
    const members = whole.toString('utf8').split(',"payload":')[0];
    expect(spliced.toString('utf8')).toBe(`${members},"payload":${text}}`);
  });
});
