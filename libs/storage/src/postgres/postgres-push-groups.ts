import type { PoolClient } from 'pg';
import {
  applyGroupEvent,
  GroupEvent,
  groupEventOf,
  groupSamples,
  GroupSample,
  GroupState,
  inReceiveOrder,
  PUSH_FAILURE_TIME,
  PUSH_TIME,
  seriesKeyOf,
  withSeriesKey,
} from '../push-group.state';
import type { ProcessedEvent } from '../store';

// PostgreSQL text and jsonb cannot hold NUL; it carries no meaning in telemetry (as in postgres-copy).
const clean = (s: string) => (s.includes('\u0000') ? s.split('\u0000').join('') : s);
const json = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'string' ? clean(x) : x));
const msOf = (d: Date | null) => (d ? d.getTime() : 0);
const dateOf = (ms: number) => (ms > 0 ? new Date(ms) : null);

interface GroupRow {
  group_key: string;
  job: string;
  grouping_key: Record<string, string>;
  deleted: boolean;
  last_received_at: Date;
  push_time: Date | null;
  push_failure_time: Date | null;
}

interface SampleRow {
  group_key: string;
  series_key: string;
  family: string;
  metric_type: string;
  name: string;
  labels: Record<string, string>;
  value: number;
  pushed_at: Date;
}

/**
 * Locks the groups (advisory transaction locks in key order: concurrent batches cannot
 * deadlock, and a group not stored yet is locked too) and reads their stored state.
 */
async function loadGroups(client: PoolClient, keys: string[]): Promise<Map<string, GroupState>> {
  await client.query(
    `SELECT pg_advisory_xact_lock(hashtextextended(k, 727)) FROM unnest($1::text[]) WITH ORDINALITY AS t(k, i) ORDER BY i`,
    [keys],
  );
  const groups = await client.query<GroupRow>(
    `SELECT group_key, job, grouping_key, deleted, last_received_at, push_time, push_failure_time
    FROM push_groups WHERE group_key = ANY($1::text[])`,
    [keys],
  );
  const samples = await client.query<SampleRow>(
    `SELECT group_key, series_key, family, metric_type, name, labels, value, pushed_at
    FROM push_group_samples WHERE group_key = ANY($1::text[]) AND family <> ALL($2::text[])`,
    [keys, [PUSH_TIME, PUSH_FAILURE_TIME]],
  );
  const states = new Map<string, GroupState>();
  for (const g of groups.rows) {
    states.set(g.group_key, {
      key: g.group_key,
      job: g.job,
      grouping: g.grouping_key,
      lastReceivedAt: g.last_received_at.getTime(),
      exists: !g.deleted,
      pushTime: msOf(g.push_time),
      pushFailureTime: msOf(g.push_failure_time),
      families: new Map(),
    });
  }
  for (const s of samples.rows) {
    const families = states.get(s.group_key)?.families;
    const sample: GroupSample = withSeriesKey(
      {
        family: s.family,
        type: s.metric_type,
        name: s.name,
        labels: s.labels,
        value: s.value,
        pushedAt: s.pushed_at.getTime(),
      },
      s.series_key,
    );
    const family = families?.get(s.family);
    if (family) family.push(sample);
    else families?.set(s.family, [sample]);
  }
  return states;
}

interface Change {
  /** The group as stored before this batch (undefined: not stored yet). */
  before?: GroupState;
  state: GroupState;
  eventId: string;
}

/** Folds the batch's events into each group's state; returns the groups that changed, with their last event. */
function fold(stored: Map<string, GroupState>, events: GroupEvent[]): Map<string, Change> {
  const changed = new Map<string, Change>();
  for (const event of inReceiveOrder(events)) {
    const current = changed.get(event.key)?.state ?? stored.get(event.key);
    const { state, applied } = applyGroupEvent(current, event);
    if (applied) changed.set(event.key, { before: stored.get(event.key), state, eventId: event.id });
  }
  return changed;
}

const sameRow = (a: GroupSample, b: GroupSample) =>
  a.family === b.family && a.type === b.type && Object.is(a.value, b.value) && a.pushedAt === b.pushedAt;

interface Diff {
  removed: Array<[string, string]>;
  /** Series stored already: only value, time, family and type change. */
  updated: Array<{ key: string; s: GroupSample }>;
  added: Array<{ key: string; s: GroupSample }>;
}

/** What differs from the stored state (a POST rewrites its families only, an unchanged series nothing). */
function diff(changes: Change[]): Diff {
  const out: Diff = { removed: [], updated: [], added: [] };
  for (const { before, state } of changes) {
    const old = new Map((before ? groupSamples(before) : []).map((s) => [seriesKeyOf(s), s]));
    for (const s of groupSamples(state)) {
      const key = seriesKeyOf(s);
      const prev = old.get(key);
      old.delete(key);
      if (!prev) out.added.push({ key: state.key, s });
      else if (!sameRow(prev, s)) out.updated.push({ key: state.key, s });
    }
    for (const key of old.keys()) out.removed.push([state.key, key]);
  }
  return out;
}

async function saveGroupRows(client: PoolClient, groups: Change[]): Promise<void> {
  await client.query(
    `INSERT INTO push_groups (group_key, job, grouping_key, deleted, last_received_at, last_event_id, push_time, push_failure_time)
    SELECT k, j, g::jsonb, d, r, e, p, f FROM unnest($1::text[], $2::text[], $3::text[], $4::boolean[], $5::timestamptz[], $6::text[],
      $7::timestamptz[], $8::timestamptz[]) AS t(k, j, g, d, r, e, p, f)
    ON CONFLICT (group_key) DO UPDATE SET deleted = EXCLUDED.deleted, last_received_at = EXCLUDED.last_received_at,
      last_event_id = EXCLUDED.last_event_id, push_time = EXCLUDED.push_time,
      push_failure_time = EXCLUDED.push_failure_time, updated_at = now()`,
    [
      groups.map((g) => clean(g.state.key)),
      groups.map((g) => clean(g.state.job)),
      groups.map((g) => json(g.state.grouping)),
      groups.map((g) => !g.state.exists),
      groups.map((g) => new Date(g.state.lastReceivedAt)),
      groups.map((g) => g.eventId),
      groups.map((g) => dateOf(g.state.pushTime)),
      groups.map((g) => dateOf(g.state.pushFailureTime)),
    ],
  );
}

async function saveSamples(client: PoolClient, { removed, updated, added }: Diff): Promise<void> {
  if (removed.length > 0) {
    await client.query(
      `DELETE FROM push_group_samples WHERE (group_key, series_key) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
      [removed.map(([k]) => clean(k)), removed.map(([, sk]) => clean(sk))],
    );
  }
  // An UPDATE of the non-indexed columns can stay on the page (HOT): cheaper than an upsert of the whole row.
  if (updated.length > 0) {
    await client.query(
      `UPDATE push_group_samples s SET family = x.f, metric_type = x.t, value = x.v, pushed_at = x.p
      FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::timestamptz[]) AS x(k, sk, f, t, v, p)
      WHERE s.group_key = x.k AND s.series_key = x.sk`,
      [
        updated.map((r) => clean(r.key)),
        updated.map((r) => clean(seriesKeyOf(r.s))),
        updated.map((r) => clean(r.s.family)),
        updated.map((r) => clean(r.s.type)),
        updated.map((r) => r.s.value),
        updated.map((r) => new Date(r.s.pushedAt)),
      ],
    );
  }
  if (added.length === 0) return;
  await client.query(
    `INSERT INTO push_group_samples (group_key, series_key, family, metric_type, name, labels, value, pushed_at)
    SELECT k, sk, f, t, n, l::jsonb, v, p FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
      $7::float8[], $8::timestamptz[]) AS x(k, sk, f, t, n, l, v, p)
    ON CONFLICT (group_key, series_key) DO UPDATE SET family = EXCLUDED.family, metric_type = EXCLUDED.metric_type,
      value = EXCLUDED.value, pushed_at = EXCLUDED.pushed_at`,
    [
      added.map((r) => clean(r.key)),
      added.map((r) => clean(seriesKeyOf(r.s))),
      added.map((r) => clean(r.s.family)),
      added.map((r) => clean(r.s.type)),
      added.map((r) => clean(r.s.name)),
      added.map((r) => json(r.s.labels)),
      added.map((r) => r.s.value),
      added.map((r) => new Date(r.s.pushedAt)),
    ],
  );
}

/**
 * Carries the batch's pushes into the groups' current state (push_groups, push_group_samples),
 * inside the caller's write transaction, so the history rows and the state commit together.
 * Idempotent: an event older than a group's state (a re-delivery, a backfill) changes nothing.
 */
export async function applyPushGroups(client: PoolClient, events: ProcessedEvent[]): Promise<void> {
  // A loop, not .filter((e) => ...): it runs for every event of every batch, pushes or not
  // (docs/operations.md, "Closures on the hot path").
  const groupEvents: GroupEvent[] = [];
  for (const event of events) {
    const e = groupEventOf(event);
    if (e !== undefined) groupEvents.push(e);
  }
  if (groupEvents.length === 0) return;
  const keys = [...new Set(groupEvents.map((e) => e.key))].sort();
  const changed = fold(await loadGroups(client, keys), groupEvents);
  if (changed.size === 0) return;
  await saveGroupRows(client, [...changed.values()]);
  await saveSamples(client, diff([...changed.values()]));
}
