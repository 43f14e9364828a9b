import { UsageError } from '../cli-errors';

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const RELATIVE = /^-(\d+(?:\.\d+)?)([smhdw])$/;
// Dates, optionally with a time and a zone: 2024-05-01, 2024-05-01T12:00, 2024-05-01T12:00:00.000Z, ...+02:00
const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * A point in time given on the command line: ISO-8601 (`2024-05-01T12:00:00Z`; without a
 * zone it is UTC), relative to now (`-30m`, `-2h`, `-7d`, `-1w`), or `now`.
 */
export function parseTime(input: string, option: string, now = Date.now()): number {
  const text = input.trim();
  if (text.toLowerCase() === 'now') return now;
  const relative = RELATIVE.exec(text);
  if (relative) return now - Math.round(Number(relative[1]) * UNIT_MS[relative[2]]);
  if (ISO.test(text)) {
    // A date-time without a zone would be local time in JavaScript; operators mean UTC.
    const zoned =
      /[T ]\d{2}:\d{2}/.test(text) && !/(Z|[+-]\d{2}:?\d{2})$/i.test(text)
        ? `${text.replace(' ', 'T')}Z`
        : text.replace(' ', 'T');
    const ms = Date.parse(zoned);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new UsageError(
    `${option} ${JSON.stringify(input)}: not a time; use ISO-8601 (2024-05-01T12:00:00Z), a relative time (-30m, -2h, -7d, -1w) or "now"`,
  );
}

/** A time range: `to` defaults to now, and must come after `from`. */
export function parseRange(from: string, to: string | undefined, now = Date.now()): { fromMs: number; toMs: number } {
  const fromMs = parseTime(from, '--from', now);
  const toMs = to === undefined ? now : parseTime(to, '--to', now);
  if (fromMs > now)
    throw new UsageError(`--from ${JSON.stringify(from)} is in the future (${new Date(fromMs).toISOString()})`);
  if (toMs <= fromMs) {
    const toText = `${JSON.stringify(to ?? 'now')} (${new Date(toMs).toISOString()})`;
    const fromText = `${JSON.stringify(from)} (${new Date(fromMs).toISOString()})`;
    throw new UsageError(`--to ${toText} is not after --from ${fromText}`);
  }
  return { fromMs, toMs };
}
