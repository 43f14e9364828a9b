import { createHash } from 'node:crypto';
import type { StorageType } from '@app/config';
import type { EventKind } from '@app/contracts';

export interface ReplayIdentity {
  groupPrefix: string;
  topic: string;
  store: StorageType;
  kinds?: EventKind[];
  /** The arguments as typed: `-2h` names the same replay on a rerun, whatever the clock says. */
  from: string;
  to?: string;
}

export const REPLAY_GROUP_MARK = '-replay-';

/**
 * The replay's own consumer group, derived from its arguments: rerunning the same command
 * finds the group (and so the position and range) an interrupted run left behind.
 */
export function replayGroupId(id: ReplayIdentity): string {
  const basis = JSON.stringify([id.topic, id.store, [...(id.kinds ?? [])].sort(), id.from.trim(), id.to?.trim() ?? '']);
  const hash = createHash('sha256').update(basis).digest('hex').slice(0, 12);
  return `${id.groupPrefix}${REPLAY_GROUP_MARK}${id.store}-${hash}`;
}

/** What a replay records with each committed offset: its range in that partition and its time range. */
export interface RangeMetadata {
  start: string;
  end: string;
  fromMs: number;
  toMs: number;
}

export function encodeRangeMetadata(m: RangeMetadata): string {
  return JSON.stringify({ v: 1, s: m.start, e: m.end, f: m.fromMs, t: m.toMs });
}

/** undefined unless it is a replay's metadata (another tool may have committed in the group). */
export function decodeRangeMetadata(text: string | null | undefined): RangeMetadata | undefined {
  if (!text) return undefined;
  try {
    const o = JSON.parse(text) as Record<string, unknown>;
    if (
      o.v !== 1 ||
      typeof o.s !== 'string' ||
      typeof o.e !== 'string' ||
      typeof o.f !== 'number' ||
      typeof o.t !== 'number'
    )
      return undefined;
    if (!/^\d+$/.test(o.s) || !/^\d+$/.test(o.e)) return undefined;
    return { start: o.s, end: o.e, fromMs: o.f, toMs: o.t };
  } catch {
    return undefined;
  }
}
