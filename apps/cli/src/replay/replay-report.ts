import type { StorageType } from '@app/config';
import { count, duration, isoTime, table } from '../output/format';

export interface ReplaySummary {
  dryRun: boolean;
  group: string;
  topic: string;
  store: StorageType;
  kinds: string[] | 'all';
  from: string;
  to: string;
  resumed: boolean;
  /** Messages in the whole range, and those an interrupted earlier run had done. */
  total: number;
  before: number;
  /** This run: messages read, and those skipped for not being of the chosen kinds. */
  read: number;
  skipped: number;
  /**
   * Events stored that had no row yet. When `replaced` is null: every event written (dry run:
   * that would be written; stores other than PostgreSQL do not tell new from replaced).
   */
  written: number;
  /** Events whose stored row was replaced by the re-processed one; null when unknown (see written). */
  replaced: number | null;
  /** The same event id more than once in the range (a client's retry): written once. */
  duplicates: number;
  dropped: number;
  deadLettered: number;
  byKind: Record<string, { read: number; written: number; dropped: number }>;
  droppedBy: Record<string, number>;
  deadLetteredBy: Record<string, number>;
  durationMs: number;
}

export function renderSummary(s: ReplaySummary): string {
  const rate = s.durationMs > 0 ? (1_000 * s.read) / s.durationMs : 0;
  const head = [
    `${s.dryRun ? 'dry run (nothing written)' : 'replay done'}: ${s.topic} ${s.from} .. ${s.to} into ${s.store}` +
      (s.kinds === 'all' ? '' : ` (kinds: ${s.kinds.join(', ')})`),
    s.resumed
      ? `resumed: ${count(s.before)} of ${count(s.total)} messages were done by an earlier run`
      : `range: ${count(s.total)} messages`,
    `read ${count(s.read)} in ${duration(s.durationMs)} (${count(rate)}/s)` +
      (s.skipped ? `, ${count(s.skipped)} of other kinds skipped` : ''),
  ];
  const written = s.dryRun
    ? `would write ${count(s.written)}`
    : s.replaced === null
      ? `written (new or replaced) ${count(s.written)}`
      : `written (new) ${count(s.written)}, replaced ${count(s.replaced)}`;
  const outcome =
    `${written}, duplicates ${count(s.duplicates)}, dropped by rules ${count(s.dropped)}, ` +
    `dead-lettered ${count(s.deadLettered)}`;
  const kinds = Object.entries(s.byKind).map(([kind, c]) => [kind, count(c.read), count(c.written), count(c.dropped)]);
  const reasons = [
    ...Object.entries(s.droppedBy).map(([r, n]) => ['dropped', r, count(n)]),
    ...Object.entries(s.deadLetteredBy).map(([r, n]) => [
      s.dryRun ? 'would dead-letter' : 'dead-lettered',
      r,
      count(n),
    ]),
  ];
  return [
    ...head,
    outcome,
    ...(kinds.length ? ['', table(['kind', 'read', s.dryRun ? 'would write' : 'stored', 'dropped'], kinds)] : []),
    ...(reasons.length ? ['', table(['outcome', 'reason', 'events'], reasons)] : []),
  ].join('\n');
}

export function timeRange(fromMs: number, toMs: number): { from: string; to: string } {
  return { from: isoTime(fromMs), to: isoTime(toMs) };
}
