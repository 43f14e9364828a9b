import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Anonymizer, fieldListsFrom } from '@app/anonymizer';
import { decodeEnvelope, encodeEnvelope } from '@app/contracts';
import { ledgerSource } from '@app/observability';
import { anonymizeStep } from '@app/pipeline/anonymize.step';
import { metricsView, pushedLabels } from '@app/storage/event-fields';
import { parsePrometheusProtobuf } from '../../apps/ingest-api/src/parsing/prometheus-protobuf.parser';
import { IngestService, PreparedItem } from '../../apps/ingest-api/src/services/ingest.service';
import { panelEnvelope } from '../support/pipeline-fakes';

/**
 * V8's %HaveSameMap: whether two objects share a hidden class. Natives syntax is switched on only
 * while this one function is compiled.
 */
const sameHiddenClass = ((): ((a: object, b: object) => boolean) => {
  setFlagsFromString('--allow-natives-syntax');
  try {
    return new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;
  } finally {
    setFlagsFromString('--no-allow-natives-syntax');
  }
})();

/**
 * Whether the last calls' objects share the last one's hidden class. V8 copies the first few
 * calls' shapes through its runtime before the inline cache takes over, so only later calls tell.
 */
const CALLS = 32;
function oneHiddenClass(objects: object[]): boolean[] {
  const last = objects[objects.length - 1];
  return objects.slice(-8).map((o) => sameHiddenClass(o, last));
}
const ALL_SAME = Array(8).fill(true);
const calls = <T>(f: (i: number) => T): T[] => Array.from({ length: CALLS }, (_, i) => f(i));

/**
 * An object literal that spreads one object and then adds keys it did not have gets a new hidden
 * class on every call in Node 20's V8, and hidden classes live in the old generation: once per
 * request, that grew the API's old space by ~0.5 KB a request and paced its full collections
 * (docs/operations.md, "Object shapes on the hot path"). These objects are built per request or
 * per event.
 */
describe('objects built per request or per event keep one hidden class', () => {
  it('the probe tells hidden classes apart', () => {
    expect(sameHiddenClass({ a: 1 }, { a: 2 })).toBe(true);
    expect(sameHiddenClass({ a: 1 }, { b: 1 })).toBe(false);
    expect(sameHiddenClass({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(false);
  });

  it("the API's acknowledged-ledger labels", async () => {
    const labels: object[] = [];
    const metrics = { items: { inc: () => undefined }, ledger: { count: (_: string, l: object) => labels.push(l) } };
    const service = new IngestService({ publish: async () => undefined } as never, metrics as never, {} as never);
    for (let i = 0; i < CALLS; i++) {
      const item: PreparedItem = {
        id: `e${i}`,
        kind: 'usage_report',
        message: { key: `k${i}`, value: Buffer.from('{}'), headers: {} },
        source: ledgerSource({ route: '/grafana-usage-report', apiKeyId: i.toString(16).padStart(12, '0') }),
      };
      await service.publish([item]);
    }
    expect(labels).toHaveLength(CALLS);
    expect(oneHiddenClass(labels)).toEqual(ALL_SAME);
  });

  it("the anonymizer's source and the worker's anonymized events", () => {
    const anonymizer = new Anonymizer('k'.repeat(32), fieldListsFrom());
    const sources = calls((i) =>
      anonymizer.anonymizeSource({ route: '/write', ip: `203.0.113.${i}`, userAgent: 'Mozilla/5.0' }),
    );
    expect(oneHiddenClass(sources)).toEqual(ALL_SAME);

    // As the worker has them: each envelope decoded from its own message.
    const decoded = (i: number) => {
      const d = decodeEnvelope(encodeEnvelope(panelEnvelope(i)));
      if (!d.ok) throw new Error(d.reason);
      return d.envelope;
    };
    for (const step of [anonymizeStep(anonymizer), anonymizeStep(undefined)]) {
      const events = calls((i) => {
        const r = step(decoded(i));
        if (r.type !== 'ok') throw new Error(r.reason);
        return r.value;
      });
      expect(oneHiddenClass(events)).toEqual(ALL_SAME);
    }
  });

  it("the push parser's families and bucket labels", () => {
    const body = readFileSync(join(__dirname, '../fixtures/prometheus-push/push.pb'));
    const pushes = calls(() => parsePrometheusProtobuf(body, 1000));
    const histograms = pushes.map((families) => families.find((f) => f.name === 'http_request_duration_seconds')!);
    expect(histograms[0].help).toBeDefined();
    expect(oneHiddenClass(histograms)).toEqual(ALL_SAME);
    const buckets = histograms.flatMap((h) =>
      h.samples.filter((s) => s.name.endsWith('_bucket') && s.labels.method === 'POST').map((s) => s.labels),
    );
    expect(oneHiddenClass(buckets)).toEqual(ALL_SAME);
  });

  it("the worker's labels of a pushed sample (InfluxDB, remote write, push groups)", () => {
    const labels = calls((i) => {
      const view = metricsView({
        op: 'put',
        job: 'node',
        grouping: { instance: `host-${i}` },
        families: [{ name: 'up', type: 'gauge', samples: [{ name: 'up', labels: { zone: `z${i}` }, value: 1 }] }],
      });
      return pushedLabels(view, view.families[0].samples[0]);
    });
    expect(labels[CALLS - 1]).toEqual({ zone: `z${CALLS - 1}`, job: 'node', instance: `host-${CALLS - 1}` });
    expect(oneHiddenClass(labels)).toEqual(ALL_SAME);
  });
});
