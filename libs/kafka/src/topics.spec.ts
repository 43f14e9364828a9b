import { replicationFor } from './topics';

describe('replicationFor', () => {
  it('keeps three copies, two in sync, on a cluster of three brokers or more', () => {
    expect(replicationFor({}, 3)).toEqual({ factor: 3, minInsync: 2, warning: undefined });
    expect(replicationFor({}, 5)).toEqual({ factor: 3, minInsync: 2, warning: undefined });
  });

  it('keeps one copy per broker on a smaller cluster, with a warning', () => {
    expect(replicationFor({}, 1)).toMatchObject({
      factor: 1,
      minInsync: 1,
      warning: expect.stringMatching(/^topics keep 1 copy \(min.insync.replicas=1\) on 1 broker/),
    });
    expect(replicationFor({}, 2)).toMatchObject({
      factor: 2,
      minInsync: 1,
      warning: expect.stringMatching(/keep 2 copies/),
    });
  });

  it('takes configured values, and refuses impossible ones', () => {
    expect(replicationFor({ replicationFactor: 3, minInsyncReplicas: 3 }, 4)).toEqual({
      factor: 3,
      minInsync: 3,
      warning: undefined,
    });
    expect(() => replicationFor({ replicationFactor: 3 }, 1)).toThrow(
      'KAFKA_REPLICATION_FACTOR=3 but the cluster has 1 broker(s)',
    );
    expect(() => replicationFor({ replicationFactor: 1, minInsyncReplicas: 2 }, 1)).toThrow(
      'KAFKA_MIN_INSYNC_REPLICAS=2 is above the replication factor 1',
    );
  });
});
