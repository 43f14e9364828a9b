import { duration, table } from '../output/format';
import { TargetResult } from './collect-round';

/** The round as a table for people: one row per target, in the targets file's order. */
export function renderSummary(results: readonly TargetResult[]): string {
  const rows = results.map((r) => [
    r.target,
    r.outcome,
    r.status === undefined ? '-' : String(r.status),
    duration(r.durationMs),
    r.eventId ?? r.detail ?? '',
  ]);
  const failed = results.filter((r) => r.outcome !== 'ok').length;
  const collected = `${results.length - failed} of ${results.length} target(s) collected`;
  const total = failed ? `${collected}, ${failed} failed` : collected;
  return `${table(['target', 'outcome', 'http', 'time', 'event id / detail'], rows)}\n${total}`;
}

/** One-shot exit code: 0 when every target's report was published, 1 when any target failed. */
export function exitCodeOf(results: readonly TargetResult[]): 0 | 1 {
  return results.every((r) => r.outcome === 'ok') ? 0 : 1;
}
