import { encodeEnvelope } from '@app/contracts';
import { Anonymizer, fieldListsFrom } from '@app/anonymizer';
import { createLogger } from '@app/observability';
import { RuleEngine } from '@app/rules';
import { anonymizeStep } from './anonymize.step';
import { decodeStep } from './decode.step';
import { DedupeStep } from './dedupe.step';
import { nextOffsets } from './pipeline-message';
import { rulesStep } from './rules.step';
import { MemoryIndex, MemoryStore, messageOf, panelEnvelope } from '../../../test/support/pipeline-fakes';
import { writeStep } from './write.step';

const logger = createLogger({ level: 'error', format: 'json', name: 'spec' });

describe('decodeStep', () => {
  it('decodes an envelope', () => {
    const envelope = panelEnvelope(1);
    expect(decodeStep(messageOf(encodeEnvelope(envelope)))).toEqual({ type: 'ok', value: envelope });
  });
  it.each([
    [null, 'empty_message'],
    [Buffer.from('{oops'), 'invalid_json'],
    [Buffer.from('{"v":1}'), 'invalid_envelope'],
  ])('dead-letters %s as %s', (value, reason) => {
    expect(decodeStep(messageOf(value))).toMatchObject({ type: 'dlq', reason });
  });
});

describe('rulesStep', () => {
  const failing = {
    apply: () => {
      throw new Error('boom');
    },
  } as unknown as RuleEngine;
  it('passes through without rules, dead-letters when a rule throws', () => {
    const envelope = panelEnvelope(2);
    expect(rulesStep(RuleEngine.empty())(envelope)).toEqual({ type: 'ok', value: envelope });
    expect(rulesStep(failing)(envelope)).toEqual({ type: 'dlq', reason: 'rules_failed', detail: 'boom' });
  });
});

describe('anonymizeStep', () => {
  it('keeps the payload without an anonymizer and strips PII with one', () => {
    const envelope = panelEnvelope(3);
    const plain = anonymizeStep(undefined)(envelope);
    expect(plain).toMatchObject({
      type: 'ok',
      value: { id: envelope.id, payload: envelope.payload, source: envelope.source },
    });
    const anon = anonymizeStep(new Anonymizer('k'.repeat(32), fieldListsFrom()))(envelope);
    const text = JSON.stringify(anon);
    for (const pii of ['user3', 'user3@example.com', 'User 3', '203.0.113.9', 'grafana.example.com'])
      expect(text).not.toContain(pii);
  });
});

describe('DedupeStep', () => {
  const event = (id: string) => ({
    id,
    kind: 'analytics' as const,
    receivedAt: 0,
    correlationId: '',
    source: { route: '/' },
    payload: {},
  });

  it('drops in-batch and already-marked duplicates', async () => {
    const index = new MemoryIndex();
    index.marked.add('b');
    const step = new DedupeStep(index, logger);
    const result = await step.filter([event('a'), event('b'), event('a')]);
    expect(result.fresh.map((e) => e.id)).toEqual(['a']);
    expect(result.duplicates.map((d) => [d.event.id, d.layer])).toEqual([
      ['a', 'batch'],
      ['b', 'index'],
    ]);
  });

  it('carries on unchecked when the index is down', async () => {
    const index = new MemoryIndex();
    index.down = true;
    const step = new DedupeStep(index, logger);
    expect(await step.filter([event('a')])).toMatchObject({ fresh: [{ id: 'a' }], checked: false });
    expect(await step.mark(['a'])).toBe(false);
  });
});

describe('nextOffsets', () => {
  it('commits after the last message of each partition', () => {
    const ms = [
      { ...messageOf(null, 0), offset: '5' },
      { ...messageOf(null, 1), offset: '9' },
      { ...messageOf(null, 0), offset: '7' },
    ];
    expect(nextOffsets(ms)).toEqual([
      { topic: 't', partition: 0, offset: '8' },
      { topic: 't', partition: 1, offset: '10' },
    ]);
  });
});

describe('writeStep', () => {
  const events = Array.from({ length: 16 }, (_, i) => ({
    id: `e${i}`,
    kind: 'analytics' as const,
    receivedAt: 0,
    correlationId: 'c',
    source: { route: '/write' },
    payload: {},
  }));

  it('halves a batch the store refuses as a whole until the refused events are alone; the rest is written', async () => {
    const store = new MemoryStore();
    store.refuseWhole = new Set(['e3', 'e12']);
    const out = await writeStep(store, events, 'insert');
    expect(out.written).toBe(14);
    expect([...out.rejected]).toEqual([
      ['e3', 'store refused the event: HTTP 400: bad sample'],
      ['e12', 'store refused the event: HTTP 400: bad sample'],
    ]);
    expect(store.rows.size).toBe(14);
    // 1 + 2 refused events × 2 halves × log2(16) levels at most.
    expect(store.calls).toBeLessThanOrEqual(1 + 2 * 2 * 4);
  });

  it('throws an outage through, dead-lettering nothing', async () => {
    const store = new MemoryStore();
    store.failNext = 1;
    await expect(writeStep(store, events, 'insert')).rejects.toThrow('down');
  });
});
