import type { RecoveryRecord } from '@app/kafka/admin';
import { count, table } from '../output/format';
import { DeadLetterView, LetterStatus, statusOf } from './dead-letter-view';

export interface DlqGroup {
  reason: string;
  stage: string;
  total: number;
  /** Waiting for `dlq replay`. */
  pending: number;
  /** Written by a `dlq replay`. */
  recovered: number;
  /** Filtered out by today's rules when replayed. */
  dropped: number;
  /** Replayed and dead-lettered again (the new letter counts on its own). */
  failedAgain: number;
  /** Not replayed again: it used up its attempts. */
  exhausted: number;
  firstFailedAt?: string;
  lastFailedAt?: string;
}

export interface DlqEntry {
  position: string;
  status: LetterStatus;
  reason: string;
  stage: string;
  attempts: number;
  source?: string;
  eventId?: string;
  failedAt?: string;
}

const FIELD: Record<LetterStatus, keyof DlqGroup> = {
  pending: 'pending',
  recovered: 'recovered',
  dropped: 'dropped',
  failed_again: 'failedAgain',
  exhausted: 'exhausted',
};

/** Dead letters grouped by reason and stage, each with what became of it. */
export function groupLetters(
  letters: DeadLetterView[],
  recoveries: Map<string, RecoveryRecord>,
  maxAttempts: number,
): { groups: DlqGroup[]; entries: DlqEntry[] } {
  const groups = new Map<string, DlqGroup>();
  const entries: DlqEntry[] = [];
  for (const l of letters) {
    const status = statusOf(l, recoveries, maxAttempts);
    const key = `${l.reason}\u0000${l.stage}`;
    const g = groups.get(key) ?? {
      reason: l.reason,
      stage: l.stage,
      total: 0,
      pending: 0,
      recovered: 0,
      dropped: 0,
      failedAgain: 0,
      exhausted: 0,
    };
    g.total++;
    (g[FIELD[status]] as number)++;
    if (l.failedAt && (!g.firstFailedAt || l.failedAt < g.firstFailedAt)) g.firstFailedAt = l.failedAt;
    if (l.failedAt && (!g.lastFailedAt || l.failedAt > g.lastFailedAt)) g.lastFailedAt = l.failedAt;
    groups.set(key, g);
    entries.push({
      position: `${l.partition}:${l.offset}`,
      status,
      reason: l.reason,
      stage: l.stage,
      attempts: l.attempts,
      source: l.sourceTopic ? `${l.sourceTopic}/${l.sourcePartition}:${l.sourceOffset}` : undefined,
      eventId: l.eventId,
      failedAt: l.failedAt,
    });
  }
  return {
    groups: [...groups.values()].sort((a, b) => b.total - a.total || a.reason.localeCompare(b.reason)),
    entries,
  };
}

export function renderGroups(topic: string, groups: DlqGroup[], entries?: DlqEntry[]): string {
  if (groups.length === 0) return `${topic}: no dead letters`;
  const rows = groups.map((g) => [
    g.reason,
    g.stage,
    count(g.total),
    count(g.pending),
    count(g.recovered),
    count(g.dropped),
    count(g.failedAgain),
    count(g.exhausted),
    g.lastFailedAt ?? '-',
  ]);
  const out = [
    table(
      ['reason', 'stage', 'total', 'pending', 'recovered', 'dropped', 'failed again', 'exhausted', 'last failed at'],
      rows,
    ),
  ];
  if (entries) {
    out.push(
      '',
      table(
        ['position', 'status', 'reason', 'stage', 'attempts', 'source', 'event id', 'failed at'],
        entries.map((e) => [
          e.position,
          e.status,
          e.reason,
          e.stage,
          String(e.attempts),
          e.source ?? '-',
          e.eventId ?? '-',
          e.failedAt ?? '-',
        ]),
      ),
    );
  }
  return out.join('\n');
}
