import type { Migration } from '../postgres-migrations';

/**
 * The current state of each Pushgateway group, beside the push history in metric_samples:
 * push_groups has one row per group (kept after a DELETE as a tombstone, so an older replayed
 * push cannot bring the group back), push_group_samples the series the group exposes now,
 * push_time_seconds and push_failure_time_seconds included. Both are rewritten in the write
 * transaction of the pushes, in receive order (see docs/stores.md). No foreign key: both tables
 * are only written together, and a per-row check would double the cost of a large group's push.
 * Numbered 3: other branches add migrations 2 and 4.
 */
export const pushGroups: Migration = {
  version: 3,
  name: 'push group state',
  sql: `
CREATE TABLE push_groups (
  group_key           text PRIMARY KEY,
  job                 text NOT NULL,
  grouping_key        jsonb NOT NULL,
  deleted             boolean NOT NULL,
  last_received_at    timestamptz NOT NULL,
  last_event_id       text NOT NULL,
  push_time           timestamptz,
  push_failure_time   timestamptz,
  updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX push_groups_job_idx ON push_groups (job);

CREATE TABLE push_group_samples (
  group_key           text NOT NULL,
  series_key          text NOT NULL,
  family              text NOT NULL,
  metric_type         text NOT NULL,
  name                text NOT NULL,
  labels              jsonb NOT NULL,
  value               double precision NOT NULL,
  pushed_at           timestamptz NOT NULL,
  PRIMARY KEY (group_key, series_key)
) WITH (fillfactor = 80);
CREATE INDEX push_group_samples_name_idx ON push_group_samples (name);

CREATE VIEW push_group_state AS
  SELECT g.job, g.grouping_key, s.family, s.metric_type, s.name, s.labels, s.value, s.pushed_at, g.group_key
  FROM push_group_samples s JOIN push_groups g USING (group_key)
  WHERE NOT g.deleted;
`,
};
