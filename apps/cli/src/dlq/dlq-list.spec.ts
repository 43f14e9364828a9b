import type { ConsumedMessage } from '@app/contracts';
import type { RecoveryRecord } from '@app/kafka/admin';
import { originalMessage, viewOf } from './dead-letter-view';
import { groupLetters, renderGroups } from './dlq-list';

let offset = 0;
function letter(reason: string, stage: string, extra: Record<string, string> = {}): ConsumedMessage {
  return {
    topic: 'events-dlq',
    partition: 0,
    offset: String(offset++),
    key: Buffer.from('k'),
    value: Buffer.from('{"v":1}'),
    timestamp: '1700000000000',
    headers: {
      'event-kind': 'analytics',
      'dlq-reason': reason,
      'dlq-stage': stage,
      'dlq-source-topic': 'events',
      'dlq-source-partition': '3',
      'dlq-source-offset': '42',
      'dlq-source-timestamp': '1699999999000',
      'dlq-consumer-group': 'g-postgres',
      'dlq-failed-at': `2024-05-0${offset}T00:00:00.000Z`,
      ...extra,
    },
  };
}

describe('dead-letter listing', () => {
  it('groups by reason and stage with what became of each letter', () => {
    offset = 0;
    const letters = [
      letter('invalid_json', 'decode'),
      letter('store_rejected', 'write'),
      letter('store_rejected', 'write'),
      letter('store_rejected', 'write', { 'dlq-attempts': '3' }),
    ].map(viewOf);
    const recoveries = new Map<string, RecoveryRecord>([
      ['0:1', { partition: 0, offset: '1', outcome: 'recovered', attempt: 2, at: 'x' }],
    ]);
    const { groups, entries } = groupLetters(letters, recoveries, 3);
    expect(groups).toEqual([
      expect.objectContaining({
        reason: 'store_rejected',
        stage: 'write',
        total: 3,
        pending: 1,
        recovered: 1,
        exhausted: 1,
        firstFailedAt: '2024-05-02T00:00:00.000Z',
        lastFailedAt: '2024-05-04T00:00:00.000Z',
      }),
      expect.objectContaining({ reason: 'invalid_json', stage: 'decode', total: 1, pending: 1 }),
    ]);
    expect(entries.map((e) => [e.position, e.status, e.attempts, e.source])).toEqual([
      ['0:0', 'pending', 1, 'events/3:42'],
      ['0:1', 'recovered', 1, 'events/3:42'],
      ['0:2', 'pending', 1, 'events/3:42'],
      ['0:3', 'exhausted', 3, 'events/3:42'],
    ]);
    expect(renderGroups('events-dlq', groups)).toMatch(/^reason\s+stage\s+total\s+pending\s+recovered/);
    expect(renderGroups('events-dlq', [])).toBe('events-dlq: no dead letters');
  });

  it('rebuilds the original message for a replay, counting the attempt', () => {
    offset = 7;
    const original = originalMessage(
      viewOf(letter('rules_failed', 'rules', { 'dlq-attempts': '2', 'dlq-detail': 'x' })),
    );
    expect(original).toMatchObject({ topic: 'events', partition: 3, offset: '42', timestamp: '1699999999000' });
    expect(original.headers).toEqual({ 'event-kind': 'analytics', 'dlq-attempts': '3', 'dlq-replayed-from': '0:7' });
  });
});
