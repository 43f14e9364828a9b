import { replayGroupId } from '../replay/replay-group';
import { storeOfGroup } from './letter-store';

describe('storeOfGroup', () => {
  it('reads the store from live and replay groups', () => {
    expect(storeOfGroup('usage-stats-worker-postgres', 'usage-stats-worker')).toBe('postgres');
    expect(storeOfGroup('usage-stats-worker-remote_write', 'usage-stats-worker')).toBe('remote_write');
    const replay = replayGroupId({ groupPrefix: 'usage-stats-worker', topic: 't', store: 'influxdb', from: '-1h' });
    expect(storeOfGroup(replay, 'usage-stats-worker')).toBe('influxdb');
  });

  it('knows nothing of other groups', () => {
    expect(storeOfGroup(undefined, 'usage-stats-worker')).toBeUndefined();
    expect(storeOfGroup('other-postgres', 'usage-stats-worker')).toBeUndefined();
    expect(storeOfGroup('usage-stats-worker-mysql', 'usage-stats-worker')).toBeUndefined();
  });
});
