/**
 * InfluxDB line protocol serialization (https://docs.influxdata.com/influxdb/v2/reference/syntax/line-protocol/).
 * Pure functions; the store decides what the points are.
 */

export type FieldValue = number | boolean | string | { int: number };

export interface Point {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, FieldValue>;
  /** Integer timestamp in the write's precision. */
  timestamp: number | bigint;
}

/** Timestamp units per second for each precision the write APIs accept. */
export const PRECISION_PER_SECOND = { ns: 1_000_000_000, us: 1_000_000, ms: 1_000, s: 1 } as const;
export type Precision = keyof typeof PRECISION_PER_SECOND;

// Control characters cannot be represented (a newline ends the point), so they become spaces.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/g;

/**
 * Identifiers (measurement, tag keys and values, field keys). A backslash escapes the next
 * character, so a run of backslashes right before a special character is doubled (each pair
 * reads as one backslash in 2.x/3.x and VictoriaMetrics; 1.x keeps both) and a trailing run is
 * removed: no escape makes it parse in 1.x, which answers "invalid tag format".
 */
function escapeIdentifier(raw: string, specials: RegExp, runBefore: RegExp): string {
  return raw
    .replace(CONTROL, ' ')
    .replace(/\\+$/, '')
    .replace(runBefore, (run) => run + run)
    .replace(specials, (c) => `\\${c}`);
}

/** Measurements: commas and spaces. A leading "#" would turn the line into a comment. */
export function escapeMeasurement(name: string): string {
  return escapeIdentifier(name, /[, ]/g, /\\+(?=[, ])/g).replace(/^#/, '_#');
}

/** Tag keys, tag values and field keys: commas, equals signs and spaces. */
export function escapeKey(key: string): string {
  return escapeIdentifier(key, /[,= ]/g, /\\+(?=[,= ])/g);
}

/** String field values: double quotes and backslashes. */
export function escapeStringField(value: string): string {
  return value.replace(CONTROL, ' ').replace(/[\\"]/g, (c) => `\\${c}`);
}

/** InfluxDB refuses "time" as a tag or field key; "_time" keeps the meaning visible. */
export function safeKey(key: string): string {
  return key === 'time' ? '_time' : key;
}

function formatField(value: FieldValue): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return `"${escapeStringField(value)}"`;
  return Number.isSafeInteger(value.int) ? `${value.int}i` : undefined;
}

/**
 * One line, or undefined when nothing representable is left (no measurement or no field:
 * line protocol requires both). Tags are sorted by key, as InfluxDB recommends; empty tag
 * keys or values are left out because InfluxDB cannot store them.
 */
export function formatPoint(point: Point): string | undefined {
  const measurement = escapeMeasurement(point.measurement);
  if (!measurement) return undefined;
  // Maps: keys that become equal once cleaned must not repeat in one line (a parse error).
  const tags = new Map<string, string>();
  for (const [k, v] of Object.entries(point.tags)) {
    const key = escapeKey(safeKey(k));
    const value = escapeKey(v);
    if (key && value) tags.set(key, value);
  }
  const fields = new Map<string, string>();
  for (const [k, v] of Object.entries(point.fields)) {
    const key = escapeKey(safeKey(k));
    const value = formatField(v);
    if (key && value !== undefined) fields.set(key, value);
  }
  if (fields.size === 0) return undefined;
  const tagText = [...tags]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `,${k}=${v}`)
    .join('');
  const fieldText = [...fields].map(([k, v]) => `${k}=${v}`).join(',');
  return `${measurement}${tagText} ${fieldText} ${point.timestamp}`;
}

/** Unix milliseconds in the given precision, as an exact integer. */
export function fromMillis(ms: number, precision: Precision): bigint {
  const whole = BigInt(Math.trunc(ms));
  switch (precision) {
    case 'ns':
      return whole * 1_000_000n;
    case 'us':
      return whole * 1_000n;
    case 'ms':
      return whole;
    case 's':
      return whole / 1_000n;
  }
}
