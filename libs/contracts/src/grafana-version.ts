/**
 * Grafana's report `version` ("11_3_0") as one comparable shape, like Grafana's own receiver
 * does before counting: leading `v` dropped, dots as underscores, anything after the numeric
 * part cut ("11_3_0-pre", "11.3.0+security-01" -> "11_3_0"); no numeric start -> "unknown".
 * The raw string is kept beside it.
 */
export function normalizeGrafanaVersion(raw: unknown): string {
  if (typeof raw !== 'string') return 'unknown';
  const match = /^v*(\d+(?:[._]\d+)*)/i.exec(raw.trim());
  return match ? match[1].replace(/\./g, '_') : 'unknown';
}
