import { GC_MAJOR, histogramDeltas, parse } from '../../bench/support/app-metrics';

const scrapeText = (minor: number, major: number) => `
# TYPE nodejs_gc_duration_seconds histogram
nodejs_gc_duration_seconds_bucket{le="0.001",kind="minor"} ${minor}
nodejs_gc_duration_seconds_bucket{le="0.01",kind="minor"} ${minor}
nodejs_gc_duration_seconds_bucket{le="+Inf",kind="minor"} ${minor}
nodejs_gc_duration_seconds_sum{kind="minor"} ${minor * 0.0005}
nodejs_gc_duration_seconds_count{kind="minor"} ${minor}
nodejs_gc_duration_seconds_bucket{le="0.001",kind="major"} 0
nodejs_gc_duration_seconds_bucket{le="0.01",kind="major"} ${major}
nodejs_gc_duration_seconds_bucket{le="+Inf",kind="major"} ${major}
nodejs_gc_duration_seconds_sum{kind="major"} ${major * 0.008}
nodejs_gc_duration_seconds_count{kind="major"} ${major}
`;

describe("the bench's view of the apps' histograms", () => {
  it('keeps full collections apart from the sum over every GC kind', () => {
    const deltas = histogramDeltas(parse(scrapeText(100, 2)), parse(scrapeText(290, 9)));
    expect(deltas.nodejs_gc_duration_seconds).toMatchObject({ count: 197, p50: 0.001 });
    expect(deltas[GC_MAJOR]).toEqual({ count: 7, mean: 0.008, p50: 0.01, p99: 0.01 });
  });

  it('leaves a window without a full collection without that entry', () => {
    const deltas = histogramDeltas(parse(scrapeText(100, 2)), parse(scrapeText(150, 2)));
    expect(deltas.nodejs_gc_duration_seconds.count).toBe(50);
    expect(deltas[GC_MAJOR]).toBeUndefined();
  });
});
