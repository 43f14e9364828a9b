import { createLogger } from '@app/observability';
import { BatchProcessor, SuspiciousBatchError } from './batch-processor';
import type { GuardHolds, HeldPartition } from './guard-holds';
import { MemoryIndex, MemorySink, MemoryStore, messageOf, panelMessage } from '../../../test/support/pipeline-fakes';

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

function setup() {
  const store = new MemoryStore();
  const sink = new MemorySink();
  const holds = new MemoryHolds();
  const processor = new BatchProcessor({
    store,
    deadLetters: sink,
    dedupe: new MemoryIndex(),
    logger,
    guard: { maxRatio: 0.5, minBatch: 4, holds },
    consumerGroup: 'g-postgres',
  });
  return { store, sink, holds, processor };
}

describe('BatchProcessor on a batch coalesced from several partitions', () => {
  it('holds only the partition that trips the guard; the others are written and committed', async () => {
    const { store, sink, holds, processor } = setup();
    const poison = [messageOf(null, 1), messageOf(null, 1), messageOf(null, 1), panelMessage(101, 1)];
    const healthy = [panelMessage(102, 0), panelMessage(103, 0), panelMessage(104, 2)];
    const out = await processor.process([healthy[0], ...poison, healthy[1], healthy[2]]);
    expect(out.held.map((h) => [h.topic, h.partition])).toEqual([['t', 1]]);
    expect(out.held[0].error).toBeInstanceOf(SuspiciousBatchError);
    expect(out.held[0].error.message).toContain('usage-stats dlq release --group g-postgres --partition 1');
    expect(out.commits.map((c) => c.partition).sort()).toEqual([0, 2]);
    expect(out.counts).toMatchObject({ consumed: 3, written: 3, deadLettered: 0 });
    expect(store.rows.size).toBe(3);
    expect(sink.letters).toHaveLength(0);
    expect([...holds.held.values()]).toMatchObject([{ topic: 't', partition: 1, size: 4, letters: 3 }]);
  });

  it('judges each partition by its own ratio, not by the whole batch', async () => {
    const { processor } = setup();
    // 3 of 12 refused overall (25%), but 3 of 4 (75%) on partition 5.
    const batch = [
      ...[messageOf(null, 5), messageOf(null, 5), messageOf(null, 5), panelMessage(110, 5)],
      ...Array.from({ length: 8 }, (_, i) => panelMessage(120 + i, 6)),
    ];
    const out = await processor.process(batch);
    expect(out.held.map((h) => h.partition)).toEqual([5]);
    expect(out.commits.map((c) => c.partition)).toEqual([6]);
  });

  it('clears the hold of a released partition once its batch is done, whichever partition came first', async () => {
    const { store, sink, holds, processor } = setup();
    const poison = [messageOf(null, 3), messageOf(null, 3), messageOf(null, 3), panelMessage(130, 3)];
    expect((await processor.process([panelMessage(131, 4), ...poison])).held.map((h) => h.partition)).toEqual([3]);
    holds.releases.add('g-postgres/t/3');
    const out = await processor.process([panelMessage(132, 4), ...poison]);
    expect(out.held).toEqual([]);
    expect(out.commits.map((c) => c.partition).sort()).toEqual([3, 4]);
    expect(sink.letters.map((l) => l.message.partition)).toEqual([3, 3, 3]);
    expect(store.rows.size).toBe(3);
    expect(holds.held.size).toBe(0);
    expect(holds.releases.size).toBe(0);
  });

  it('still throws for a one-partition batch, as before', async () => {
    const { processor } = setup();
    const batch = [messageOf(null, 7), messageOf(null, 7), messageOf(null, 7), panelMessage(140, 7)];
    await expect(processor.process(batch)).rejects.toThrow(SuspiciousBatchError);
  });
});
