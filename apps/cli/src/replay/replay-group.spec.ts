import { decodeRangeMetadata, encodeRangeMetadata, replayGroupId } from './replay-group';

describe('replay group identity', () => {
  const base = { groupPrefix: 'usage-stats-worker', topic: 'usage-events', store: 'postgres' as const, from: '-2h' };

  it('is the same for the same arguments and differs otherwise', () => {
    const id = replayGroupId(base);
    expect(id).toMatch(/^usage-stats-worker-replay-postgres-[0-9a-f]{12}$/);
    expect(replayGroupId({ ...base, from: ' -2h ' })).toBe(id);
    expect(replayGroupId({ ...base, kinds: ['metrics', 'analytics'] })).toBe(
      replayGroupId({ ...base, kinds: ['analytics', 'metrics'] }),
    );
    for (const other of [
      { from: '-3h' },
      { to: '-1h' },
      { kinds: ['analytics' as const] },
      { topic: 'other' },
      { store: 'influxdb' as const },
    ]) {
      expect(replayGroupId({ ...base, ...other })).not.toBe(id);
    }
  });

  it('round-trips the range metadata and ignores anything else', () => {
    const m = { start: '10', end: '2000', fromMs: 1_700_000_000_000, toMs: 1_700_003_600_000 };
    expect(decodeRangeMetadata(encodeRangeMetadata(m))).toEqual(m);
    expect(encodeRangeMetadata(m).length).toBeLessThan(200);
    for (const other of [null, '', 'x', '{"v":2}', '{"v":1,"s":"a","e":"1","f":1,"t":2}'])
      expect(decodeRangeMetadata(other)).toBeUndefined();
  });
});
