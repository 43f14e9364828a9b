import { TypeCompiler } from '@sinclair/typebox/compiler';
import { AnalyticsEventSchema } from './analytics-event.schema';
import { decodeEnvelope } from './envelope.codec';
import { PayloadValidator } from './payload-validator';
import { UsageReportSchema } from './usage-report.schema';

const ajv = new PayloadValidator();
const envelopeOf = (payload: unknown) =>
  Buffer.from(
    JSON.stringify({
      v: 1,
      id: 'e1',
      kind: 'usage_report',
      receivedAt: 1,
      correlationId: 'c',
      source: { route: '/r' },
      payload,
    }),
  );
/** The API's answer (ajv) and the worker's (TypeBox, through the envelope), which must agree. */
const verdicts = (metrics: unknown) => {
  const report = { version: '11.3.0', metrics };
  return [ajv.payload('usage_report', report).ok, decodeEnvelope(envelopeOf(report)).ok];
};
const keys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`stats.k${i}.count`, i]));

describe('open objects (a report’s metrics, a panel event’s options)', () => {
  it('accept any keys and values, as Type.Record(Type.String(), Type.Unknown()) did', () => {
    expect(verdicts({})).toEqual([true, true]);
    expect(verdicts({ ['k'.repeat(600)]: 1, 'a\nb': 'x', nested: { deep: [1, null] } })).toEqual([true, true]);
  });

  it('refuse what is not an object', () => {
    for (const metrics of [[], 'x', 7, null, true]) expect(verdicts(metrics)).toEqual([false, false]);
    expect(ajv.payload('usage_report', { version: '1' }).ok).toBe(false);
  });

  it('bound the number of keys: 20,000 metrics pass, 20,001 do not', () => {
    expect(verdicts(keys(20_000))).toEqual([true, true]);
    expect(verdicts(keys(20_001))).toEqual([false, false]);
  });

  it("a panel event's options must be an object when present", () => {
    const check = TypeCompiler.Compile(AnalyticsEventSchema);
    expect(check.Check({ type: 'start', options: { a: 1 } })).toBe(true);
    expect(check.Check({ type: 'start' })).toBe(true);
    expect(check.Check({ type: 'start', options: [1] })).toBe(false);
    expect(ajv.payload('analytics', { type: 'start', options: [1] }).ok).toBe(false);
  });

  it("the worker's compiled check reads no metric value (it has none to check)", () => {
    let reads = 0;
    const metrics = new Proxy(keys(81), {
      get(target, key, receiver) {
        reads++;
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    expect(TypeCompiler.Compile(UsageReportSchema).Check({ version: '11.3.0', metrics })).toBe(true);
    expect(reads).toBe(0);
  });
});
