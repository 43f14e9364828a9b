import { MemoryStore, panelEnvelope } from '../../../../test/support/pipeline-fakes';
import type { ProcessedEvent } from '@app/storage';
import { ReplaceCountingStore } from './replace-counting.store';

const event = (i: number, name = 'D'): ProcessedEvent => {
  const e = panelEnvelope(i);
  return {
    id: e.id,
    kind: e.kind,
    receivedAt: e.receivedAt,
    correlationId: e.correlationId,
    source: e.source,
    payload: { ...e.payload, dashboard: { name } },
  };
};

describe('ReplaceCountingStore', () => {
  it('counts new rows and replaced rows, and leaves every row replaced', async () => {
    const inner = new MemoryStore();
    await inner.writeBatch([event(1), event(2)]);
    const store = new ReplaceCountingStore(inner);
    const result = await store.writeBatch([event(1, 'new'), event(2, 'new'), event(3, 'new')], { mode: 'replace' });
    expect(result).toEqual({ written: 3, duplicates: 0, rejected: [] });
    expect([store.inserted, store.replaced]).toEqual([1, 2]);
    expect([...inner.rows.values()].map((r) => (r.payload.dashboard as { name: string }).name)).toEqual([
      'new',
      'new',
      'new',
    ]);
  });

  it('writes once when nothing was stored, and passes refusals and insert mode through', async () => {
    const inner = new MemoryStore();
    const spy = jest.spyOn(inner, 'writeBatch');
    const store = new ReplaceCountingStore(inner);
    inner.reject.add(event(5).id);
    const result = await store.writeBatch([event(4), event(5)], { mode: 'replace' });
    expect(result.rejected.map((r) => r.eventId)).toEqual([event(5).id]);
    expect(spy).toHaveBeenCalledTimes(1);
    expect([store.inserted, store.replaced]).toEqual([1, 0]);
    await store.writeBatch([event(4)], { mode: 'insert' });
    expect(spy).toHaveBeenLastCalledWith([event(4)], { mode: 'insert' });
  });

  it('runs the replace pass for a batch of pushes even when every push inserted a new row', async () => {
    const inner = new MemoryStore();
    const spy = jest.spyOn(inner, 'writeBatch');
    const store = new ReplaceCountingStore(inner);
    const push = { ...event(6), kind: 'metrics' as const };
    await store.writeBatch([push], { mode: 'replace' });
    expect(spy.mock.calls.map((c) => c[1])).toEqual([{ mode: 'insert' }, { mode: 'replace' }]);
  });
});
