import { AcknowledgedEvent, tallyStore } from './ledger-tally';

const ack = (
  offset: number,
  eventId: string | undefined,
  extra: Partial<AcknowledgedEvent> = {},
): AcknowledgedEvent => ({
  partition: 0,
  offset: String(offset),
  eventId,
  kind: 'analytics',
  route: '/write',
  keyId: 'none',
  ...extra,
});

describe('tallyStore', () => {
  it('puts every acknowledged event in exactly one column', () => {
    const events = [
      ack(0, 'a'),
      ack(1, 'b'),
      ack(2, 'a'),
      ack(3, 'c', { droppedBy: 'rule:viewers' }),
      ack(4, undefined, { kind: 'unknown', route: 'unknown' }),
      ack(5, 'd'),
      ack(6, 'e'),
    ];
    const letters = [
      { sourcePartition: 0, sourceOffset: '4', reason: 'invalid_json' },
      { eventId: 'd', reason: 'store_rejected' },
    ];
    const { rows, unaccounted } = tallyStore('postgres', events, letters, new Set(['a', 'b']));

    expect(rows).toEqual([
      {
        route: '/write',
        keyId: 'none',
        kind: 'analytics',
        store: 'postgres',
        acknowledged: 6,
        written: 2,
        deduplicated: 1,
        dropped: 1,
        deadLettered: 1,
        unaccounted: 1,
        droppedBy: { 'rule:viewers': 1 },
        deadLetteredBy: { store_rejected: 1 },
      },
      {
        route: 'unknown',
        keyId: 'none',
        kind: 'unknown',
        store: 'postgres',
        acknowledged: 1,
        written: 0,
        deduplicated: 0,
        dropped: 0,
        deadLettered: 1,
        unaccounted: 0,
        droppedBy: {},
        deadLetteredBy: { invalid_json: 1 },
      },
    ]);
    expect(unaccounted).toEqual([{ store: 'postgres', partition: 0, offset: '6', eventId: 'e', kind: 'analytics' }]);
  });

  it('counts the first of two copies, wherever the store has it, and the second as deduplicated', () => {
    const { rows } = tallyStore(
      'postgres',
      [ack(9, 'x', { partition: 1 }), ack(1, 'x', { partition: 0 })],
      [],
      new Set(['x']),
    );
    expect(rows.map((r) => [r.written, r.deduplicated, r.unaccounted])).toEqual([[1, 1, 0]]);
  });
});
