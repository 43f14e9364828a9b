import { progressLine } from './progress';

describe('progressLine', () => {
  it('shows done/total, the rate of this run and the ETA', () => {
    const line = progressLine({ label: 'replay', total: 50_000, before: 10_000, done: 2_000, startedAt: 0 }, 2_000);
    expect(line).toBe('replay 12,000/50,000 (24.0%) 1,000 events/s ETA 38s');
  });

  it('has no ETA before anything is done, and an empty range is complete', () => {
    expect(progressLine({ label: 'replay', total: 10, before: 0, done: 0, startedAt: 0 }, 1_000)).toMatch(/ETA \?$/);
    expect(progressLine({ label: 'replay', total: 0, before: 0, done: 0, startedAt: 0 }, 1_000)).toMatch(
      /0\/0 \(100\.0%\)/,
    );
  });
});
