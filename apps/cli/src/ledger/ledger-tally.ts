/** One message of the events topic in the window: an event the API acknowledged. */
export interface AcknowledgedEvent {
  partition: number;
  offset: string;
  /** Undefined when the message is not an envelope (a foreign producer): it can only be dead-lettered. */
  eventId?: string;
  kind: string;
  route: string;
  keyId: string;
  /** The rule that drops it, re-evaluated with today's CONFIG_FILE. */
  droppedBy?: string;
}

/** A dead letter's pointer back to the events topic. */
export interface LetterRef {
  sourcePartition?: number;
  sourceOffset?: string;
  eventId?: string;
  reason: string;
}

export interface LedgerRow {
  route: string;
  keyId: string;
  kind: string;
  store: string;
  acknowledged: number;
  written: number;
  deduplicated: number;
  dropped: number;
  deadLettered: number;
  /** Acknowledged, but neither written, deduplicated, dropped nor dead-lettered. */
  unaccounted: number;
  droppedBy: Record<string, number>;
  deadLetteredBy: Record<string, number>;
}

export interface UnaccountedEvent {
  store: string;
  partition: number;
  offset: string;
  eventId?: string;
  kind: string;
}

const position = (partition: number, offset: string) => `${partition}:${offset}`;

function emptyRow(e: AcknowledgedEvent, store: string): LedgerRow {
  return {
    route: e.route,
    keyId: e.keyId,
    kind: e.kind,
    store,
    acknowledged: 0,
    written: 0,
    deduplicated: 0,
    dropped: 0,
    deadLettered: 0,
    unaccounted: 0,
    droppedBy: {},
    deadLetteredBy: {},
  };
}

/**
 * Accounts for every acknowledged event in one store, in topic order: a repeat of an event id
 * seen earlier in the window is deduplicated; else the store having its event id makes it
 * written (the store's word beats a re-evaluated rule, and covers a dead letter replayed
 * since); else a dead letter pointing at its position (or its event id) makes it
 * dead-lettered; else a rule that drops it today makes it dropped; else it is unaccounted for. Each event lands in
 * exactly one column, so acknowledged = written + deduplicated + dropped + dead-lettered + unaccounted.
 */
export function tallyStore(
  store: string,
  events: AcknowledgedEvent[],
  letters: LetterRef[],
  stored: ReadonlySet<string>,
): { rows: LedgerRow[]; unaccounted: UnaccountedEvent[] } {
  const byPosition = new Map<string, string>();
  const byEventId = new Map<string, string>();
  for (const l of letters) {
    if (l.sourcePartition !== undefined && l.sourceOffset !== undefined)
      byPosition.set(position(l.sourcePartition, l.sourceOffset), l.reason);
    else if (l.eventId) byEventId.set(l.eventId, l.reason);
  }
  const rows = new Map<string, LedgerRow>();
  const seen = new Set<string>();
  const unaccounted: UnaccountedEvent[] = [];
  const ordered = [...events].sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  for (const e of ordered) {
    const key = `${e.route}\u0000${e.keyId}\u0000${e.kind}`;
    const row = rows.get(key) ?? emptyRow(e, store);
    rows.set(key, row);
    row.acknowledged++;
    const letter =
      byPosition.get(position(e.partition, e.offset)) ?? (e.eventId ? byEventId.get(e.eventId) : undefined);
    if (e.eventId && seen.has(e.eventId)) row.deduplicated++;
    else if (e.eventId && stored.has(e.eventId)) row.written++;
    else if (letter !== undefined) {
      row.deadLettered++;
      row.deadLetteredBy[letter] = (row.deadLetteredBy[letter] ?? 0) + 1;
    } else if (e.droppedBy !== undefined) {
      row.dropped++;
      row.droppedBy[e.droppedBy] = (row.droppedBy[e.droppedBy] ?? 0) + 1;
    } else {
      row.unaccounted++;
      unaccounted.push({ store, partition: e.partition, offset: e.offset, eventId: e.eventId, kind: e.kind });
    }
    if (e.eventId) seen.add(e.eventId);
  }
  const sorted = [...rows.values()].sort(
    (a, b) => a.route.localeCompare(b.route) || a.keyId.localeCompare(b.keyId) || a.kind.localeCompare(b.kind),
  );
  return { rows: sorted, unaccounted };
}
