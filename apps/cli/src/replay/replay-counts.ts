import type { Registry } from 'prom-client';

export interface LabelledCount {
  labels: Record<string, string>;
  value: number;
}

/** The values of one counter of a private registry (the pipeline's metrics double as tallies). */
export async function counterValues(registry: Registry, name: string): Promise<LabelledCount[]> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return [];
  const { values } = await metric.get();
  return values.filter((v) => v.value > 0).map((v) => ({ labels: v.labels as Record<string, string>, value: v.value }));
}

/** Sums a counter's values by a key made of some of their labels. */
export function tally(
  values: LabelledCount[],
  key: (labels: Record<string, string>) => string,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[key(v.labels)] = (out[key(v.labels)] ?? 0) + v.value;
  return out;
}
