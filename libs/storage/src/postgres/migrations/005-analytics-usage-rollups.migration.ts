import type { Migration } from '../postgres-migrations';

/**
 * Per-day (and per-hour) rollups of analytics_sessions for the dashboard-usage panels, which
 * otherwise aggregate every session of the range (~233,000 for 7 days at 1 M sessions a month):
 *
 * - analytics_usage_daily: sessions, duration, focused time and last seen per UTC day and
 *   (host, environment, dashboard, role, theme, timezone, locale), for the count and time panels.
 * - analytics_usage_hourly: sessions and focused time per UTC hour, host and environment, for the
 *   time series.
 * - analytics_viewer_days: each (host, environment, dashboard, role, theme, timezone, locale,
 *   viewer) with the days it was seen on, for the distinct-viewer counts: a 7-day range reads
 *   one row per such viewer, not one per session or per viewer-day.
 *
 * NULLs are kept as the sessions have them, so the panels group and count exactly as they did.
 * analytics_usage() and analytics_usage_series() give a range's rows: the rollups' for the whole
 * days (hours) inside it and the sessions' own for the partial ones at its ends, so a panel's
 * answer is the same as over the sessions, for any range.
 *
 * refresh_analytics_rollups() keeps its arguments and now also recomputes the days whose
 * sessions it rewrote (the day a session started on before and after, since a late start event
 * can move it).
 */
export const analyticsUsageRollups: Migration = {
  version: 5,
  name: 'analytics usage rollups per day and hour',
  sql: `
CREATE TABLE analytics_usage_daily (
  day               date NOT NULL,
  grafana_host      text,
  grafana_env       text,
  dashboard_uid     text,
  dashboard_name    text,
  user_role         text,
  user_theme        text,
  user_timezone     text,
  user_locale       text,
  sessions          integer NOT NULL,
  duration_seconds  double precision NOT NULL,
  focused_seconds   double precision NOT NULL,
  last_seen_at      timestamptz NOT NULL
);
CREATE INDEX analytics_usage_daily_day_idx ON analytics_usage_daily (day);

CREATE TABLE analytics_usage_hourly (
  hour              timestamptz NOT NULL,
  grafana_host      text,
  grafana_env       text,
  sessions          integer NOT NULL,
  focused_seconds   double precision NOT NULL
);
CREATE INDEX analytics_usage_hourly_hour_idx ON analytics_usage_hourly (hour);

-- One row per (host, environment, dashboard, role, theme, timezone, locale, viewer) ever seen, with the
-- UTC days it was seen on: a range's viewers are the rows whose days overlap it, a few rows per viewer
-- however many sessions they had. \`combo\` is a hash of the row's attributes, NULLs distinct from ''.
CREATE TABLE analytics_viewer_days (
  combo             uuid PRIMARY KEY,
  grafana_host      text,
  grafana_env       text,
  dashboard_uid     text,
  user_role         text,
  user_theme        text,
  user_timezone     text,
  user_locale       text,
  user_id           text NOT NULL,
  days              date[] NOT NULL
);
CREATE INDEX analytics_viewer_days_days_idx ON analytics_viewer_days USING gin (days);

-- The first whole UTC unit ('day' or 'hour') at or after from_time, and the end of the last whole one
-- at or before to_time (never before the first): [lo, hi) is what the rollups answer for.
CREATE FUNCTION analytics_whole_from(unit text, from_time timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE AS $fn$
  SELECT CASE WHEN date_trunc(unit, from_time AT TIME ZONE 'UTC') = from_time AT TIME ZONE 'UTC' THEN from_time
    ELSE (date_trunc(unit, from_time AT TIME ZONE 'UTC') + ('1 ' || unit)::interval) AT TIME ZONE 'UTC' END
$fn$;
CREATE FUNCTION analytics_whole_to(unit text, from_time timestamptz, to_time timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE AS $fn$
  SELECT greatest(analytics_whole_from(unit, from_time),
    date_trunc(unit, to_time AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')
$fn$;

-- The sessions that started in [from_time, to_time] as rows to aggregate: for the whole UTC days, the
-- usage rollup's rows (no viewer) and one row per viewer seen on them (no session, no time); for the
-- partial days at either end, the sessions themselves. So sum(sessions), sum(*_seconds), max(last_seen_at)
-- and count(DISTINCT user_id) over any grouping of the attributes answer as over the sessions.
-- Inlined into the panel's query.
CREATE FUNCTION analytics_usage(from_time timestamptz, to_time timestamptz)
RETURNS TABLE (grafana_host text, grafana_env text, dashboard_uid text, dashboard_name text, user_role text,
  user_theme text, user_timezone text, user_locale text, user_id text, sessions integer,
  duration_seconds double precision, focused_seconds double precision, last_seen_at timestamptz)
LANGUAGE sql STABLE AS $fn$
  SELECT d.grafana_host, d.grafana_env, d.dashboard_uid, d.dashboard_name, d.user_role, d.user_theme, d.user_timezone,
    d.user_locale, NULL, d.sessions, d.duration_seconds, d.focused_seconds, d.last_seen_at
  FROM analytics_usage_daily d
  WHERE d.day >= (analytics_whole_from('day', from_time) AT TIME ZONE 'UTC')::date
    AND d.day < (analytics_whole_to('day', from_time, to_time) AT TIME ZONE 'UTC')::date
  UNION ALL
  SELECT v.grafana_host, v.grafana_env, v.dashboard_uid, NULL, v.user_role, v.user_theme, v.user_timezone,
    v.user_locale, v.user_id, 0, 0, 0, NULL
  FROM analytics_viewer_days v
  WHERE v.days && ARRAY(SELECT generate_series(analytics_whole_from('day', from_time) AT TIME ZONE 'UTC',
    analytics_whole_to('day', from_time, to_time) AT TIME ZONE 'UTC' - interval '1 day', interval '1 day')::date)
  UNION ALL
  SELECT s.grafana_host, s.grafana_env, s.dashboard_uid, s.dashboard_name, s.user_role, s.user_theme, s.user_timezone,
    s.user_locale, s.user_id, 1, s.duration_seconds, s.focused_seconds, s.last_seen_at
  FROM analytics_sessions s
  WHERE (s.started_at >= from_time AND s.started_at <= to_time
      AND s.started_at < analytics_whole_from('day', from_time))
    OR (s.started_at >= from_time AND s.started_at <= to_time
      AND s.started_at >= analytics_whole_to('day', from_time, to_time))
$fn$;

-- The same for the time series: per whole UTC hour when the panel's interval is a whole number of
-- hours (its buckets then hold whole hours), else every session of the range.
CREATE FUNCTION analytics_usage_series(from_time timestamptz, to_time timestamptz, interval_ms bigint)
RETURNS TABLE (started_at timestamptz, grafana_host text, grafana_env text, sessions integer,
  focused_seconds double precision)
LANGUAGE sql STABLE AS $fn$
  SELECT h.hour, h.grafana_host, h.grafana_env, h.sessions, h.focused_seconds
  FROM analytics_usage_hourly h
  WHERE interval_ms % 3600000 = 0
    AND h.hour >= analytics_whole_from('hour', from_time) AND h.hour < analytics_whole_to('hour', from_time, to_time)
  UNION ALL
  SELECT s.started_at, s.grafana_host, s.grafana_env, 1, s.focused_seconds
  FROM analytics_sessions s
  WHERE s.started_at >= from_time AND s.started_at <= to_time AND (interval_ms % 3600000 <> 0
    OR s.started_at < analytics_whole_from('hour', from_time)
    OR s.started_at >= analytics_whole_to('hour', from_time, to_time))
$fn$;

-- Recomputes the usage rollups of these UTC days (NULL: all) from analytics_sessions; returns the days.
CREATE FUNCTION refresh_analytics_usage_days(for_days date[]) RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
  n integer;
BEGIN
  IF for_days IS NULL THEN
    DELETE FROM analytics_usage_daily;
    DELETE FROM analytics_usage_hourly;
    DELETE FROM analytics_viewer_days;
    SELECT array_agg(DISTINCT (started_at AT TIME ZONE 'UTC')::date) INTO for_days FROM analytics_sessions;
    for_days := coalesce(for_days, '{}');
  ELSE
    DELETE FROM analytics_usage_daily WHERE day = ANY (for_days);
    UPDATE analytics_viewer_days v
    SET days = ARRAY(SELECT d FROM unnest(v.days) AS d WHERE d <> ALL (for_days) ORDER BY d)
    WHERE v.days && for_days;
    DELETE FROM analytics_usage_hourly h USING unnest(for_days) AS d(day)
    WHERE h.hour >= d.day::timestamp AT TIME ZONE 'UTC' AND h.hour < (d.day + 1)::timestamp AT TIME ZONE 'UTC';
  END IF;
  n := cardinality(for_days);

  CREATE TEMP TABLE usage_day_sessions ON COMMIT DROP AS
    SELECT (s.started_at AT TIME ZONE 'UTC')::date AS day, s.*
    FROM unnest(for_days) AS d(day) JOIN analytics_sessions s
      ON s.started_at >= d.day::timestamp AT TIME ZONE 'UTC'
      AND s.started_at < (d.day + 1)::timestamp AT TIME ZONE 'UTC';

  INSERT INTO analytics_usage_daily
  SELECT day, grafana_host, grafana_env, dashboard_uid, max(dashboard_name), user_role, user_theme, user_timezone,
    user_locale, count(*), sum(duration_seconds), sum(focused_seconds), max(last_seen_at)
  FROM usage_day_sessions
  GROUP BY day, grafana_host, grafana_env, dashboard_uid, user_role, user_theme, user_timezone, user_locale;

  INSERT INTO analytics_usage_hourly
  SELECT date_trunc('hour', started_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', grafana_host, grafana_env, count(*),
    sum(focused_seconds)
  FROM usage_day_sessions
  GROUP BY 1, 2, 3;

  INSERT INTO analytics_viewer_days
  SELECT md5(ROW(grafana_host, grafana_env, dashboard_uid, user_role, user_theme, user_timezone, user_locale,
      user_id)::text)::uuid,
    grafana_host, grafana_env, dashboard_uid, user_role, user_theme, user_timezone, user_locale, user_id,
    array_agg(DISTINCT day ORDER BY day)
  FROM usage_day_sessions WHERE user_id IS NOT NULL
  GROUP BY grafana_host, grafana_env, dashboard_uid, user_role, user_theme, user_timezone, user_locale, user_id
  ON CONFLICT (combo) DO UPDATE
    SET days = ARRAY(SELECT DISTINCT d FROM unnest(analytics_viewer_days.days || excluded.days) AS d ORDER BY d);
  DELETE FROM analytics_viewer_days v WHERE v.days = '{}';

  DROP TABLE usage_day_sessions;
  RETURN n;
END
$fn$;

-- The sessions-and-reports refresh of migration 2 becomes one step of the refresh.
ALTER FUNCTION refresh_analytics_rollups(double precision, interval, boolean)
  RENAME TO refresh_analytics_sessions_and_reports;

CREATE FUNCTION refresh_analytics_rollups(gap_cap double precision, overlap interval DEFAULT '10 minutes',
  full_refresh boolean DEFAULT false)
RETURNS TABLE (sessions integer, dashboards integer, report_days integer, fleet_days integer, metric_days integer,
  instances integer, usage_days integer)
LANGUAGE plpgsql SET work_mem = '64MB' AS $fn$
DECLARE
  since timestamptz;
  touched text[];
  days date[];
  r record;
BEGIN
  PERFORM pg_advisory_xact_lock(727001338);
  SELECT stored_until - overlap INTO since FROM analytics_refresh_state WHERE name = 'rollups';
  IF since IS NOT NULL AND NOT full_refresh THEN
    touched := ARRAY(SELECT DISTINCT e.session_uuid FROM analytics_events e
      WHERE e.stored_at >= since AND e.session_uuid <> '');
    -- The days these sessions started on before this run: a late start event can move one to an earlier day.
    days := ARRAY(SELECT DISTINCT (s.started_at AT TIME ZONE 'UTC')::date FROM analytics_sessions s
      WHERE s.session_uuid = ANY (touched));
  END IF;
  SELECT * INTO r FROM refresh_analytics_sessions_and_reports(gap_cap, overlap, full_refresh);
  IF touched IS NOT NULL THEN
    days := days || ARRAY(SELECT DISTINCT (s.started_at AT TIME ZONE 'UTC')::date FROM analytics_sessions s
      WHERE s.session_uuid = ANY (touched));
    days := ARRAY(SELECT DISTINCT d FROM unnest(days) AS d);
  END IF;
  sessions := r.sessions; dashboards := r.dashboards; report_days := r.report_days; fleet_days := r.fleet_days;
  metric_days := r.metric_days; instances := r.instances;
  usage_days := refresh_analytics_usage_days(days);
  RETURN NEXT;
END
$fn$;
`,
};
