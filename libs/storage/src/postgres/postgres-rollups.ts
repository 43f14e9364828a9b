import type { Pool } from 'pg';
import type { PostgresConfig } from '@app/config';

export interface RollupRefresh {
  /** Sessions recomputed. */
  sessions: number;
  /** (dashboard, host, environment) rows rewritten. */
  dashboards: number;
  /** (day, instance) rows of usage_reports_daily rewritten. */
  reportDays: number;
  /** (dimension, day, value) fleet rows rewritten. */
  fleetDays: number;
  /** (day, metric) adoption rows rewritten. */
  metricDays: number;
  /** Instances whose first/last reporting day was recomputed. */
  instances: number;
  /** UTC days recomputed in analytics_usage_daily, analytics_usage_hourly and analytics_viewer_days. */
  usageDays: number;
  gapCapSeconds: number;
}

export interface RefreshOptions {
  /** Recompute everything, not only what was stored since the last run (after changing the gap cap). */
  full?: boolean;
  /** How far before the last run's end to look again, for rows a slow write transaction committed late. */
  overlapSeconds?: number;
}

/** The longest gap a session counts between two points: heartbeat interval × factor (0: no cap). */
export function sessionGapCap(config: Pick<PostgresConfig, 'sessionHeartbeatSeconds' | 'sessionGapFactor'>): number {
  return config.sessionHeartbeatSeconds * config.sessionGapFactor;
}

/**
 * Brings the dashboards' tables (analytics_sessions, usage_reports_daily, usage_metrics_daily,
 * usage_instances; the per-day usage rollups of migration 5) up to date with the rows stored
 * since the last run: one transaction, one call of the SQL function refresh_analytics_rollups
 * (migrations 2 and 5). Safe to run concurrently.
 */
export async function refreshRollups(
  pool: Pool,
  gapCapSeconds: number,
  options: RefreshOptions = {},
): Promise<RollupRefresh> {
  const { rows } = await pool.query<{
    sessions: number;
    dashboards: number;
    report_days: number;
    fleet_days: number;
    metric_days: number;
    instances: number;
    usage_days: number;
  }>('SELECT * FROM refresh_analytics_rollups($1, make_interval(secs => $2), $3)', [
    gapCapSeconds,
    options.overlapSeconds ?? 600,
    options.full ?? false,
  ]);
  const r = rows[0];
  return {
    sessions: r.sessions,
    dashboards: r.dashboards,
    reportDays: r.report_days,
    fleetDays: r.fleet_days,
    metricDays: r.metric_days,
    instances: r.instances,
    usageDays: r.usage_days,
    gapCapSeconds,
  };
}
