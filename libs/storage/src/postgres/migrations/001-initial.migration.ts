import type { Migration } from '../postgres-migrations';

/**
 * One row per logical event (a sample per series for pushes), keyed by the event id so a
 * re-delivery is a no-op. Not time-partitioned: a partitioned table can only enforce
 * uniqueness on keys that include the partition column, and a client retry gets a new
 * receive time, so the duplicate guard would be lost. Retention deletes by the
 * received_at indexes instead (see docs/worker.md).
 */
export const initial: Migration = {
  version: 1,
  name: 'initial tables',
  sql: `
CREATE TABLE usage_reports (
  event_id            text PRIMARY KEY,
  received_at         timestamptz NOT NULL,
  instance_id         text,
  version             text,
  edition             text,
  os                  text,
  arch                text,
  packaging           text,
  has_valid_license   boolean,
  install_version     text,
  database_created_at timestamptz,
  metrics             jsonb NOT NULL DEFAULT '{}'::jsonb,
  source              jsonb,
  correlation_id      text,
  stored_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX usage_reports_received_at_idx ON usage_reports (received_at);
CREATE INDEX usage_reports_instance_idx ON usage_reports (instance_id, received_at);

CREATE TABLE analytics_events (
  event_id            text PRIMARY KEY,
  received_at         timestamptz NOT NULL,
  session_uuid        text,
  event_type          text,
  event_time          timestamptz,
  dashboard_uid       text,
  dashboard_name      text,
  dashboard_timezone  text,
  grafana_host        text,
  grafana_env         text,
  grafana_version     text,
  grafana_edition     text,
  user_id             text,
  user_role           text,
  user_theme          text,
  user_timezone       text,
  user_locale         text,
  variables           jsonb,
  has_focus           boolean,
  source              jsonb,
  correlation_id      text,
  stored_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX analytics_events_received_at_idx ON analytics_events (received_at);
CREATE INDEX analytics_events_session_idx ON analytics_events (session_uuid);
CREATE INDEX analytics_events_dashboard_idx ON analytics_events (dashboard_uid, event_time);

CREATE TABLE metric_samples (
  sample_id           text PRIMARY KEY,
  event_id            text NOT NULL,
  received_at         timestamptz NOT NULL,
  job                 text,
  grouping_key        jsonb,
  family              text,
  metric_type         text,
  name                text,
  labels              jsonb,
  value               double precision,
  op                  text,
  source              jsonb,
  correlation_id      text,
  stored_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX metric_samples_received_at_idx ON metric_samples (received_at);
CREATE INDEX metric_samples_event_idx ON metric_samples (event_id);
CREATE INDEX metric_samples_name_idx ON metric_samples (name, received_at);
`,
};
