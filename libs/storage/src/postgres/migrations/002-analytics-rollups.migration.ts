import type { Migration } from '../postgres-migrations';

/**
 * The tables the Grafana dashboards read, so no dashboard query scans the raw event tables:
 *
 * - analytics_sessions: one row per analytics-panel session (start, heartbeats, end), its
 *   duration summed over consecutive points with each gap capped (the reference server's rule).
 * - usage_reports_daily: the last report of each instance per UTC day, with the version split
 *   into major and minor and the database read from the metrics map.
 * - analytics_dashboards: per dashboard, host and environment, first and last opened, sessions.
 * - usage_fleet_daily: per day, how many instances run each version, edition, OS/arch, packaging
 *   and database (the fleet panels read a few hundred rows, not every instance-day).
 * - usage_metrics_daily: per day and metrics-map key, how many instances report it above zero
 *   (feature, datasource and plugin adoption).
 * - usage_instances: each instance's first and last reporting day (new, churned, stopped).
 *
 * They are derived data: refresh_analytics_rollups() recomputes whatever the rows stored since
 * its last run touch (`usage-stats refresh`, on a schedule). The functions are plain SQL so
 * that an operator can also call them from psql or pg_cron.
 */
export const analyticsRollups: Migration = {
  version: 2,
  name: 'analytics sessions and daily rollups',
  sql: `
-- Incremental refreshes find what changed by the time rows were stored.
CREATE INDEX analytics_events_stored_at_idx ON analytics_events (stored_at);
CREATE INDEX usage_reports_stored_at_idx ON usage_reports (stored_at);

CREATE TABLE analytics_sessions (
  session_uuid      text PRIMARY KEY,
  started_at        timestamptz NOT NULL,
  last_seen_at      timestamptz NOT NULL,
  duration_seconds  double precision NOT NULL,
  focused_seconds   double precision NOT NULL,
  events            integer NOT NULL,
  heartbeats        integer NOT NULL,
  ended             boolean NOT NULL,
  dashboard_uid     text,
  dashboard_name    text,
  grafana_host      text,
  grafana_env       text,
  grafana_version   text,
  user_id           text,
  user_role         text,
  user_theme        text,
  user_timezone     text,
  user_locale       text,
  refreshed_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX analytics_sessions_started_idx ON analytics_sessions (started_at);
CREATE INDEX analytics_sessions_dashboard_idx ON analytics_sessions (dashboard_uid, started_at);
CREATE INDEX analytics_sessions_host_idx ON analytics_sessions (grafana_host, grafana_env, started_at);

CREATE TABLE usage_reports_daily (
  day               date NOT NULL,
  instance_id       text NOT NULL,
  reports           integer NOT NULL,
  last_received_at  timestamptz NOT NULL,
  version           text,
  version_major     text,
  version_minor     text,
  edition           text,
  os                text,
  arch              text,
  packaging         text,
  database          text,
  metrics           jsonb NOT NULL,
  PRIMARY KEY (day, instance_id)
);
CREATE INDEX usage_reports_daily_instance_idx ON usage_reports_daily (instance_id, day);

CREATE TABLE usage_fleet_daily (
  day               date NOT NULL,
  dimension         text NOT NULL,
  value             text NOT NULL,
  instances         integer NOT NULL,
  PRIMARY KEY (dimension, day, value)
);

CREATE TABLE usage_metrics_daily (
  day               date NOT NULL,
  metric            text NOT NULL,
  instances         integer NOT NULL,
  PRIMARY KEY (day, metric)
);
CREATE INDEX usage_metrics_daily_metric_idx ON usage_metrics_daily (metric text_pattern_ops, day);

CREATE TABLE usage_instances (
  instance_id       text PRIMARY KEY,
  first_day         date NOT NULL,
  last_day          date NOT NULL,
  last_version      text,
  last_edition      text
);
CREATE INDEX usage_instances_first_idx ON usage_instances (first_day);
CREATE INDEX usage_instances_last_idx ON usage_instances (last_day);

-- Per dashboard, host and environment: when it was first and last opened (dashboards nobody opens).
CREATE TABLE analytics_dashboards (
  dashboard_uid     text NOT NULL,
  grafana_host      text NOT NULL,
  grafana_env       text NOT NULL,
  dashboard_name    text,
  first_opened      timestamptz NOT NULL,
  last_opened       timestamptz NOT NULL,
  sessions          bigint NOT NULL,
  PRIMARY KEY (dashboard_uid, grafana_host, grafana_env)
);
CREATE INDEX analytics_dashboards_last_idx ON analytics_dashboards (last_opened);

-- Where each incremental refresh stopped, by stored_at.
CREATE TABLE analytics_refresh_state (
  name              text PRIMARY KEY,
  stored_until      timestamptz NOT NULL,
  refreshed_at      timestamptz NOT NULL DEFAULT now()
);

-- The sessions touched by panel events stored at or after \`since\`, recomputed from all their events.
-- Points are ordered by the panel's clock; every type but start and end counts as a heartbeat, as the
-- reference server does. With heartbeats, each gap between consecutive points adds at most gap_cap
-- seconds (0 or less: no cap); without any, the session lasts from start to end uncapped (the reference's
-- rule: nothing shows a pause). A gap counts as focused when the point closing it reports hasFocus.
CREATE FUNCTION analytics_session_rows(gap_cap double precision, since timestamptz DEFAULT '-infinity')
RETURNS SETOF analytics_sessions LANGUAGE sql STABLE AS $fn$
  -- Inlined into its caller, so \`since\` is a constant when planned: a full run reads the table once,
  -- an incremental one looks its few sessions up in the session_uuid index.
  WITH points AS (
    SELECT e.*, coalesce(e.event_time, e.received_at) AS t,
      CASE e.event_type WHEN 'start' THEN 0 WHEN 'end' THEN 2 ELSE 1 END AS rank
    FROM analytics_events e
    WHERE e.session_uuid <> '' AND (since = '-infinity' OR e.session_uuid = ANY (ARRAY(
      SELECT DISTINCT session_uuid FROM analytics_events WHERE stored_at >= since AND session_uuid <> '')))
  ), gaps AS (
    -- The first point closes no gap: 0, not NULL (least() would turn a NULL into the cap).
    SELECT p.*, coalesce(extract(epoch FROM t - lag(t) OVER (PARTITION BY session_uuid ORDER BY t, rank, event_id)), 0) AS gap
    FROM points p
  ), totals AS (
    SELECT session_uuid, min(t) AS started_at, max(t) AS last_seen_at, count(*)::int AS events,
      count(*) FILTER (WHERE rank = 1)::int AS heartbeats, bool_or(rank = 2) AS ended,
      coalesce(sum(CASE WHEN gap_cap > 0 THEN least(gap, gap_cap) ELSE gap END), 0) AS capped,
      coalesce(sum(CASE WHEN gap_cap > 0 THEN least(gap, gap_cap) ELSE gap END) FILTER (WHERE has_focus), 0) AS capped_focus,
      coalesce(sum(gap), 0) AS raw, coalesce(sum(gap) FILTER (WHERE has_focus), 0) AS raw_focus
    FROM gaps GROUP BY session_uuid
  ), firsts AS (
    -- The session's attributes come from its start event, else from its earliest point.
    SELECT DISTINCT ON (session_uuid) session_uuid, dashboard_uid, dashboard_name, grafana_host, grafana_env,
      grafana_version, user_id, user_role, user_theme, user_timezone, user_locale
    FROM points ORDER BY session_uuid, (rank = 0) DESC, t, event_id
  )
  SELECT s.session_uuid, s.started_at, s.last_seen_at,
    CASE WHEN s.heartbeats > 0 THEN s.capped ELSE s.raw END,
    CASE WHEN s.heartbeats > 0 THEN s.capped_focus ELSE s.raw_focus END,
    s.events, s.heartbeats, s.ended, f.dashboard_uid, f.dashboard_name, f.grafana_host, f.grafana_env,
    f.grafana_version, f.user_id, f.user_role, f.user_theme, f.user_timezone, f.user_locale, now()
  FROM totals s JOIN firsts f USING (session_uuid)
$fn$;

-- The database an instance runs on, from the metrics map's stats.database.<type>.count key.
CREATE FUNCTION usage_report_database(metrics jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS $fn$
  SELECT min(substring(k FROM '^stats\\.database\\.(.+)\\.count$'))
  FROM jsonb_object_keys(metrics) AS k WHERE k ~ '^stats\\.database\\..+\\.count$'
$fn$;

-- Recomputes every derived table for the rows stored since the last run (minus \`overlap\`, so rows
-- that a write transaction still held when the last run read are not missed). Returns what it
-- rewrote. Serialized by an advisory lock: concurrent runs queue instead of racing.
CREATE FUNCTION refresh_analytics_rollups(gap_cap double precision, overlap interval DEFAULT '10 minutes',
  full_refresh boolean DEFAULT false)
RETURNS TABLE (sessions integer, dashboards integer, report_days integer, fleet_days integer, metric_days integer, instances integer)
-- Enough memory that a full run's sorts stay off disk.
LANGUAGE plpgsql SET work_mem = '64MB' AS $fn$
#variable_conflict use_column
DECLARE
  upto timestamptz := now();
  since timestamptz;
BEGIN
  PERFORM pg_advisory_xact_lock(727001338);
  SELECT stored_until - overlap INTO since FROM analytics_refresh_state WHERE name = 'rollups';
  IF since IS NULL OR full_refresh THEN since := '-infinity'; END IF;

  CREATE TEMP TABLE touched_sessions (dashboard_uid text, grafana_host text, grafana_env text) ON COMMIT DROP;
  WITH upserted AS (
  INSERT INTO analytics_sessions SELECT * FROM analytics_session_rows(gap_cap, since)
  ON CONFLICT (session_uuid) DO UPDATE SET started_at = excluded.started_at, last_seen_at = excluded.last_seen_at,
    duration_seconds = excluded.duration_seconds, focused_seconds = excluded.focused_seconds, events = excluded.events,
    heartbeats = excluded.heartbeats, ended = excluded.ended, dashboard_uid = excluded.dashboard_uid,
    dashboard_name = excluded.dashboard_name, grafana_host = excluded.grafana_host, grafana_env = excluded.grafana_env,
    grafana_version = excluded.grafana_version, user_id = excluded.user_id, user_role = excluded.user_role,
    user_theme = excluded.user_theme, user_timezone = excluded.user_timezone, user_locale = excluded.user_locale,
    refreshed_at = excluded.refreshed_at
  RETURNING dashboard_uid, coalesce(grafana_host, ''), coalesce(grafana_env, ''))
  INSERT INTO touched_sessions SELECT * FROM upserted WHERE dashboard_uid IS NOT NULL;
  GET DIAGNOSTICS sessions = ROW_COUNT;
  ANALYZE touched_sessions;

  INSERT INTO analytics_dashboards
  SELECT s.dashboard_uid, coalesce(s.grafana_host, ''), coalesce(s.grafana_env, ''), max(s.dashboard_name),
    min(s.started_at), max(s.started_at), count(*)
  FROM analytics_sessions s
  JOIN (SELECT DISTINCT * FROM touched_sessions) t ON s.dashboard_uid = t.dashboard_uid
    AND coalesce(s.grafana_host, '') = t.grafana_host AND coalesce(s.grafana_env, '') = t.grafana_env
  GROUP BY 1, 2, 3
  ON CONFLICT (dashboard_uid, grafana_host, grafana_env) DO UPDATE SET dashboard_name = excluded.dashboard_name,
    first_opened = excluded.first_opened, last_opened = excluded.last_opened, sessions = excluded.sessions;
  GET DIAGNOSTICS dashboards = ROW_COUNT;

  CREATE TEMP TABLE touched_days ON COMMIT DROP AS
    SELECT DISTINCT (received_at AT TIME ZONE 'UTC')::date AS day, instance_id FROM usage_reports
    WHERE stored_at >= since AND instance_id IS NOT NULL;
  ANALYZE touched_days;

  INSERT INTO usage_reports_daily
  SELECT DISTINCT ON (t.day, r.instance_id) t.day, r.instance_id,
    count(*) OVER (PARTITION BY t.day, r.instance_id)::int, r.received_at, r.version,
    substring(r.version FROM '^\\d+'), translate(substring(r.version FROM '^\\d+[._]\\d+'), '_', '.'), r.edition, r.os, r.arch,
    r.packaging, usage_report_database(r.metrics), r.metrics
  FROM touched_days t JOIN usage_reports r ON r.instance_id = t.instance_id
    AND r.received_at >= t.day::timestamp AT TIME ZONE 'UTC' AND r.received_at < (t.day + 1)::timestamp AT TIME ZONE 'UTC'
  ORDER BY t.day, r.instance_id, r.received_at DESC, r.event_id DESC
  ON CONFLICT (day, instance_id) DO UPDATE SET reports = excluded.reports, last_received_at = excluded.last_received_at,
    version = excluded.version, version_major = excluded.version_major, version_minor = excluded.version_minor,
    edition = excluded.edition, os = excluded.os, arch = excluded.arch, packaging = excluded.packaging,
    database = excluded.database, metrics = excluded.metrics;
  GET DIAGNOSTICS report_days = ROW_COUNT;

  DELETE FROM usage_fleet_daily WHERE day IN (SELECT DISTINCT day FROM touched_days);
  INSERT INTO usage_fleet_daily
  SELECT d.day, v.dimension, v.value, count(*)::int
  FROM usage_reports_daily d CROSS JOIN LATERAL (VALUES ('all', 'all'), ('version_major', coalesce(d.version_major, 'unknown')),
    ('version_minor', coalesce(d.version_minor, 'unknown')), ('edition', coalesce(d.edition, 'unknown')),
    ('os_arch', coalesce(d.os, '?') || '/' || coalesce(d.arch, '?')), ('packaging', coalesce(d.packaging, 'unknown')),
    ('database', coalesce(d.database, 'unknown'))) AS v(dimension, value)
  WHERE d.day IN (SELECT DISTINCT day FROM touched_days)
  GROUP BY d.day, v.dimension, v.value;
  GET DIAGNOSTICS fleet_days = ROW_COUNT;

  DELETE FROM usage_metrics_daily WHERE day IN (SELECT DISTINCT day FROM touched_days);
  INSERT INTO usage_metrics_daily
  SELECT d.day, m.key, count(*)::int
  FROM usage_reports_daily d CROSS JOIN LATERAL jsonb_each(d.metrics) AS m(key, value)
  WHERE d.day IN (SELECT DISTINCT day FROM touched_days) AND jsonb_typeof(m.value) = 'number' AND (m.value)::text::numeric > 0
  GROUP BY d.day, m.key;
  GET DIAGNOSTICS metric_days = ROW_COUNT;

  INSERT INTO usage_instances
  SELECT DISTINCT ON (d.instance_id) d.instance_id, min(d.day) OVER w, max(d.day) OVER w, d.version, d.edition
  FROM usage_reports_daily d WHERE d.instance_id IN (SELECT DISTINCT instance_id FROM touched_days)
  WINDOW w AS (PARTITION BY d.instance_id)
  ORDER BY d.instance_id, d.day DESC
  ON CONFLICT (instance_id) DO UPDATE SET first_day = excluded.first_day, last_day = excluded.last_day,
    last_version = excluded.last_version, last_edition = excluded.last_edition;
  GET DIAGNOSTICS instances = ROW_COUNT;

  INSERT INTO analytics_refresh_state (name, stored_until) VALUES ('rollups', upto)
  ON CONFLICT (name) DO UPDATE SET stored_until = excluded.stored_until, refreshed_at = now();
  RETURN NEXT;
END
$fn$;
`,
};
