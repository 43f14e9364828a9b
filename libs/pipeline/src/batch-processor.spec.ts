import { createLogger } from '@app/observability';
import { readConfigFile } from '@app/config';
import { loadRules } from '@app/rules';
import { RetriableStoreError } from '@app/storage';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchProcessor, SuspiciousBatchError } from './batch-processor';
import type { GuardHolds, HeldPartition } from './guard-holds';
import {
  MemoryIndex,
  MemorySink,
  MemoryStore,
  messageOf,
  panelEnvelope,
  panelMessage,
} from '../../../test/support/pipeline-fakes';

class MemoryHolds implements GuardHolds {
  readonly held = new Map<string, HeldPartition>();
  readonly releases = new Set<string>();
  async hold(h: HeldPartition) {
    this.held.set(`${h.group}/${h.topic}/${h.partition}`, h);
  }
  async isReleased(group: string, topic: string, partition: number) {
    return this.releases.has(`${group}/${topic}/${partition}`);
  }
  async clear(group: string, topic: string, partition: number) {
    this.held.delete(`${group}/${topic}/${partition}`);
    this.releases.delete(`${group}/${topic}/${partition}`);
  }
}

const logger = createLogger({ level: 'error', format: 'json', name: 'spec' });

function setup(extra: Partial<ConstructorParameters<typeof BatchProcessor>[0]> = {}) {
  const store = new MemoryStore();
  const sink = new MemorySink();
  const index = new MemoryIndex();
  const processor = new BatchProcessor({
    store,
    deadLetters: sink,
    dedupe: index,
    logger,
    guard: { maxRatio: 0.5, minBatch: 4 },
    ...extra,
  });
  return { store, sink, index, processor };
}

describe('BatchProcessor', () => {
  it('writes, marks after the write, and commits past the batch', async () => {
    const { store, index, processor } = setup();
    const batch = [panelMessage(1), panelMessage(2), panelMessage(1)];
    const out = await processor.process(batch);
    expect(store.rows.size).toBe(2);
    expect(index.marked.size).toBe(2);
    expect(out.counts).toEqual({ consumed: 3, written: 2, duplicates: 1, dropped: 0, deadLettered: 0 });
    expect(out.commits).toEqual([{ topic: 't', partition: 0, offset: String(Number(batch[2].offset) + 1) }]);
  });

  it('skips events the window has seen and still commits', async () => {
    const { store, processor } = setup();
    await processor.process([panelMessage(3)]);
    store.rows.clear();
    const out = await processor.process([panelMessage(3)]);
    expect(store.rows.size).toBe(0);
    expect(out.counts.duplicates).toBe(1);
  });

  it('dead-letters poison with its stage and goes on with the rest', async () => {
    const { store, sink, processor } = setup();
    const poison = messageOf(Buffer.from('not json'));
    await processor.process([panelMessage(4), poison, panelMessage(5), panelMessage(6)]);
    expect(store.rows.size).toBe(3);
    expect(sink.letters).toHaveLength(1);
    expect(sink.letters[0]).toMatchObject({ stage: 'decode', reason: 'invalid_json', message: poison });
  });

  it('dead-letters the rows the store refuses, and does not mark them', async () => {
    const { store, sink, index, processor } = setup();
    store.reject.add(panelEnvelope(7).id);
    await processor.process([panelMessage(7), panelMessage(8), panelMessage(9)]);
    expect(sink.letters).toMatchObject([{ stage: 'write', reason: 'store_rejected', eventId: panelEnvelope(7).id }]);
    expect(index.marked.has(panelEnvelope(7).id)).toBe(false);
    expect(store.rows.size).toBe(2);
  });

  it('holds a batch that is mostly poison before anything was stored, instead of dead-lettering it', async () => {
    const holds = new MemoryHolds();
    const { sink, processor } = setup({ guard: { maxRatio: 0.5, minBatch: 4, holds }, consumerGroup: 'g-postgres' });
    const batch = [messageOf(null), messageOf(null), messageOf(null), panelMessage(10)];
    await expect(processor.process(batch)).rejects.toThrow(SuspiciousBatchError);
    await expect(processor.process(batch)).rejects.toThrow('usage-stats dlq release --group g-postgres --partition 0');
    expect(sink.letters).toHaveLength(0);
    expect([...holds.held.values()]).toMatchObject([
      { group: 'g-postgres', topic: 't', partition: 0, size: 4, letters: 3 },
    ]);
  });

  it('lets a held batch through once an operator released its partition, and clears the hold', async () => {
    const holds = new MemoryHolds();
    const { store, sink, processor } = setup({
      guard: { maxRatio: 0.5, minBatch: 4, holds },
      consumerGroup: 'g-postgres',
    });
    const batch = [messageOf(null), messageOf(null), messageOf(null), panelMessage(15)];
    await expect(processor.process(batch)).rejects.toThrow(SuspiciousBatchError);
    holds.releases.add('g-postgres/t/0');
    const out = await processor.process(batch);
    expect(out.counts).toMatchObject({ consumed: 4, written: 1, deadLettered: 3 });
    expect(sink.letters.map((l) => l.reason)).toEqual(['empty_message', 'empty_message', 'empty_message']);
    expect(store.rows.size).toBe(1);
    expect(holds.held.size).toBe(0);
    expect(holds.releases.size).toBe(0);
  });

  it('keeps a release until the released batch is done (the dead-letter topic failing once in between)', async () => {
    const holds = new MemoryHolds();
    const { sink, processor } = setup({ guard: { maxRatio: 0.5, minBatch: 4, holds }, consumerGroup: 'g-postgres' });
    const batch = [messageOf(null), messageOf(null), messageOf(null), panelMessage(18)];
    await expect(processor.process(batch)).rejects.toThrow(SuspiciousBatchError);
    holds.releases.add('g-postgres/t/0');
    const publish = sink.publish.bind(sink);
    sink.publish = async () => {
      sink.publish = publish;
      throw new Error('dead-letter topic unavailable');
    };
    await expect(processor.process(batch)).rejects.toThrow('dead-letter topic unavailable');
    expect(holds.releases.size).toBe(1);
    await expect(processor.process(batch)).resolves.toMatchObject({ counts: { deadLettered: 3 } });
    expect([holds.held.size, holds.releases.size]).toEqual([0, 0]);
  });

  it('never holds rows the store refuses, even most of a batch on a fresh consumer (record-level refusals)', async () => {
    const { store, sink, processor } = setup();
    for (const i of [20, 21, 22]) store.reject.add(panelEnvelope(i).id);
    const out = await processor.process([panelMessage(20), panelMessage(21), panelMessage(22), panelMessage(23)]);
    expect(out.counts).toMatchObject({ consumed: 4, written: 1, deadLettered: 3 });
    expect(sink.letters.map((l) => [l.stage, l.reason])).toEqual([
      ['write', 'store_rejected'],
      ['write', 'store_rejected'],
      ['write', 'store_rejected'],
    ]);
  });

  it('dead-letters a mostly poison batch once the consumer has stored an event (data, not deployment, at fault)', async () => {
    const { sink, processor } = setup();
    await processor.process([panelMessage(16)]);
    const out = await processor.process([messageOf(null), messageOf(null), messageOf(null), panelMessage(17)]);
    expect(out.counts).toMatchObject({ consumed: 4, written: 1, deadLettered: 3 });
    expect(sink.letters).toHaveLength(3);
  });

  it('throws on a store outage without dead-lettering or marking anything', async () => {
    const { store, sink, index, processor } = setup();
    store.failNext = 1;
    store.failWith = new RetriableStoreError('connection refused');
    await expect(processor.process([panelMessage(11), messageOf(null)])).rejects.toThrow(RetriableStoreError);
    expect(sink.letters).toHaveLength(0);
    expect(index.marked.size).toBe(0);
    await processor.process([panelMessage(11)]);
    expect(store.rows.size).toBe(1);
  });

  it('writes without dedupe when the index is down', async () => {
    const { store, index, processor } = setup();
    index.down = true;
    await processor.process([panelMessage(12)]);
    expect(store.rows.size).toBe(1);
  });

  it('counts rule drops and never writes them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bp-'));
    writeFileSync(
      join(dir, 'r.yaml'),
      'rules:\n  analytics:\n    - name: odd\n      drop: { "user.id": { $mod: [2, 1] } }\n',
    );
    const rules = loadRules(readConfigFile(join(dir, 'r.yaml')), {});
    const { store, processor } = setup({ rules });
    const out = await processor.process([panelMessage(13), panelMessage(14)]);
    expect(out.counts.dropped).toBe(1);
    expect([...store.rows.values()].map((e) => (e.payload.user as { id: number }).id)).toEqual([14]);
  });
});
