import { round } from './stats';

/** Summed over label sets: histogram name -> { le -> cumulative count }, plus sum and count. */
type Histograms = Map<string, { buckets: Map<number, number>; sum: number; count: number }>;

export interface HistogramDelta {
  count: number;
  mean: number;
  /** Upper bounds of the buckets holding these quantiles (Prometheus-style estimates). */
  p50: number;
  p99: number;
}

const GC_HISTOGRAM = 'nodejs_gc_duration_seconds';
/** prom-client's GC histogram, only its kind="major" series. */
export const GC_MAJOR = 'nodejs_gc_major_duration_seconds';

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/;

export function parse(text: string): Histograms {
  const out: Histograms = new Map();
  const entry = (name: string) => out.get(name) ?? out.set(name, { buckets: new Map(), sum: 0, count: 0 }).get(name)!;
  const add = (name: string, labels: string, value: number) => {
    if (name.endsWith('_bucket')) {
      const le = /le="([^"]+)"/.exec(labels)?.[1];
      if (!le) return;
      const h = entry(name.slice(0, -7));
      const bound = le === '+Inf' ? Infinity : Number(le);
      h.buckets.set(bound, (h.buckets.get(bound) ?? 0) + value);
    } else if (name.endsWith('_sum')) entry(name.slice(0, -4)).sum += value;
    else if (name.endsWith('_count')) entry(name.slice(0, -6)).count += value;
  };
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    const [, name, labels = '', raw] = m;
    const value = Number(raw);
    add(name, labels, value);
    // Full (mark-compact) collections on their own as well: in the sum over kinds, scavenges hide them.
    if (name.startsWith(GC_HISTOGRAM) && labels.includes('kind="major"'))
      add(GC_MAJOR + name.slice(GC_HISTOGRAM.length), labels, value);
  }
  for (const [name, h] of out) if (h.buckets.size === 0) out.delete(name); // summaries, not histograms
  return out;
}

/** Scrapes a Prometheus endpoint; undefined when it does not answer (metrics are optional here). */
export async function scrape(url: string): Promise<Histograms | undefined> {
  try {
    const res = await fetch(url);
    return res.ok ? parse(await res.text()) : undefined;
  } catch {
    return undefined;
  }
}

function quantile(buckets: Array<[number, number]>, total: number, q: number): number {
  const rank = q * total;
  for (const [bound, cumulative] of buckets) if (cumulative >= rank) return bound;
  return Infinity;
}

/**
 * What the apps' own histograms (Kafka batch sizes and durations, store write latency, GC
 * pauses...) recorded between two scrapes: the inside view of a measured window.
 */
export function histogramDeltas(
  before: Histograms | undefined,
  after: Histograms | undefined,
): Record<string, HistogramDelta> {
  if (!before || !after) return {};
  const out: Record<string, HistogramDelta> = {};
  for (const [name, h] of after) {
    const b = before.get(name);
    const count = h.count - (b?.count ?? 0);
    if (count <= 0) continue;
    const buckets = [...h.buckets]
      .map(([le, c]) => [le, c - (b?.buckets.get(le) ?? 0)] as [number, number])
      .sort((x, y) => x[0] - y[0]);
    out[name] = {
      count,
      mean: round((h.sum - (b?.sum ?? 0)) / count, 4),
      p50: quantile(buckets, count, 0.5),
      p99: quantile(buckets, count, 0.99),
    };
  }
  return out;
}

/** Scrape now, and again on `stop()`: the deltas of every histogram over the window. */
export async function watchMetrics(
  urls: Record<string, string>,
): Promise<{ stop(): Promise<Record<string, Record<string, HistogramDelta>>> }> {
  const before = Object.fromEntries(
    await Promise.all(Object.entries(urls).map(async ([k, u]) => [k, await scrape(u)] as const)),
  );
  return {
    async stop() {
      const entries = await Promise.all(
        Object.entries(urls).map(async ([k, u]) => [k, histogramDeltas(before[k], await scrape(u))] as const),
      );
      return Object.fromEntries(entries);
    },
  };
}
