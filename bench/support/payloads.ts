import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './processes';

/** Marker autocannon's `idReplacement` swaps for a unique id in every request. */
export const ID_PLACEHOLDER = '[<id>]';

/** Metric names Grafana's usage stats collector sends (pkg/infra/usagestats), beyond the fixture's. */
const COUNTS = [
  'active_users',
  'active_admins',
  'active_editors',
  'active_viewers',
  'active_sessions',
  'daily_active_users',
  'daily_active_admins',
  'daily_active_editors',
  'daily_active_viewers',
  'playlist',
  'plugins.apps',
  'plugins.panels',
  'plugins.datasources',
  'alerts',
  'alert_rules',
  'stars',
  'snapshots',
  'teams',
  'total_auth_token',
  'dashboard_versions',
  'annotations',
  'library_panels',
  'library_variables',
  'api_keys',
  'public_dashboards',
  'correlations',
  'folders',
  'service_accounts',
];
const DATASOURCES = [
  'prometheus',
  'loki',
  'tempo',
  'elasticsearch',
  'mysql',
  'postgres',
  'influxdb',
  'graphite',
  'cloudwatch',
  'grafana-azure-monitor-datasource',
  'stackdriver',
  'testdata',
  'jaeger',
  'zipkin',
  'alertmanager',
  'mssql',
  'other',
];
const FEATURES = [
  'publicDashboards',
  'nestedFolders',
  'correlations',
  'dataplaneFrontendFallback',
  'lokiQuerySplitting',
  'topnav',
  'alertingSimplifiedRouting',
  'prometheusDataplane',
  'exploreMetrics',
  'kubernetesPlaylists',
];
const AUTH = [
  'basic_auth',
  'anonymous',
  'oauth_generic_oauth',
  'oauth_github',
  'ldap',
  'jwt',
  'saml',
  'auth_proxy',
  'grafana_password',
];
const NOTIFIERS = ['email', 'slack', 'webhook', 'pagerduty'];
const PLATFORMS = [
  { os: 'linux', arch: 'amd64', packaging: 'deb' },
  { os: 'linux', arch: 'arm64', packaging: 'docker' },
  { os: 'linux', arch: 'amd64', packaging: 'rpm' },
  { os: 'darwin', arch: 'arm64', packaging: 'brew' },
  { os: 'windows', arch: 'amd64', packaging: 'windows' },
];
const VERSIONS = ['10_4_1', '11_3_0', '11_5_2', '12_0_1', '9_5_2'];

/** Deterministic pseudo-random numbers so every run sends the same reports. */
function seeded(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

function metricsFor(rand: () => number, base: Record<string, unknown>): Record<string, unknown> {
  const n = (max: number) => Math.floor(rand() * max);
  const metrics: Record<string, unknown> = { ...base };
  for (const c of COUNTS) metrics[`stats.${c}.count`] = n(500);
  for (const ds of DATASOURCES) metrics[`stats.ds.${ds}.count`] = n(5);
  for (const ds of DATASOURCES.slice(0, 3)) metrics[`stats.ds_access.${ds}.proxy.count`] = n(5);
  for (const f of FEATURES) metrics[`stats.features.${f}.count`] = n(2);
  for (const a of AUTH) metrics[`stats.auth_enabled.${a}.count`] = n(2);
  for (const t of NOTIFIERS) metrics[`stats.alerting.notifiers.${t}.count`] = n(4);
  metrics['stats.uptime'] = n(10_000_000);
  return metrics;
}

let sampleReport: Record<string, unknown> | undefined;

/**
 * A realistic Grafana usage report (~3 KB pretty-printed, as Grafana sends it): the shape of
 * test/fixtures/samples/grafana-usage-report.json with the metric set of a real instance.
 */
export function usageReport(index: number, usageStatsId: string = randomUUID()): Record<string, unknown> {
  sampleReport ??= JSON.parse(
    readFileSync(join(REPO_ROOT, 'test/fixtures/samples/grafana-usage-report.json'), 'utf8'),
  ) as Record<string, unknown>;
  const sample = sampleReport;
  const rand = seeded(index + 1);
  const platform = PLATFORMS[index % PLATFORMS.length];
  return {
    ...sample,
    version: VERSIONS[index % VERSIONS.length],
    metrics: metricsFor(rand, sample.metrics as Record<string, unknown>),
    ...platform,
    databaseCreated: 1_600_000_000_000 + Math.floor(rand() * 100_000_000_000),
    usageStatsId,
  };
}

/** Grafana pretty-prints its report with one space of indentation. */
export const reportBody = (report: Record<string, unknown>) => JSON.stringify(report, null, 1);

/** The shared sample report as it is (Grafana's small report), with autocannon's per-request unique id. */
export function sampleReportTemplate(): string {
  usageReport(0); // loads the sample
  return reportBody({ ...sampleReport, usageStatsId: ID_PLACEHOLDER });
}

/** A report body whose usageStatsId is autocannon's per-request unique id. */
export function reportTemplate(index = 0): string {
  return reportBody(usageReport(index, ID_PLACEHOLDER));
}

/**
 * A Pushgateway text-format push of `series` samples (InfluxDB-style gauges, counters and a
 * histogram), no timestamps, as InfluxDB's telemetry pusher sends it.
 */
export function pushBody(series = 30): string {
  const lines: string[] = [];
  const gauges = Math.ceil(series / 3);
  lines.push(
    '# HELP influxdb_uptime_seconds InfluxDB process uptime in seconds.',
    '# TYPE influxdb_uptime_seconds gauge',
  );
  lines.push('influxdb_uptime_seconds{id="0867fa9d0c5b2000"} 1.5e+06');
  lines.push(
    '# HELP influxdb_bucket_series_num Number of series per bucket.',
    '# TYPE influxdb_bucket_series_num gauge',
  );
  for (let i = 1; i < gauges; i++)
    lines.push(`influxdb_bucket_series_num{bucket="bucket-${i}",org="org-${i % 3}"} ${1000 * i + 7}`);
  lines.push(
    '# HELP http_api_requests_total Requests served by the HTTP API.',
    '# TYPE http_api_requests_total counter',
  );
  const counters = Math.ceil(series / 3);
  for (let i = 0; i < counters; i++)
    lines.push(
      `http_api_requests_total{method="${i % 2 ? 'POST' : 'GET'}",path="/api/v2/p${i}",status="2XX"} ${37 * (i + 1)}`,
    );
  lines.push(
    '# HELP http_api_request_duration_seconds Request latency.',
    '# TYPE http_api_request_duration_seconds histogram',
  );
  const les = ['0.005', '0.01', '0.05', '0.1', '0.5', '1', '5'];
  const buckets = Math.max(0, series - gauges - counters - 3);
  for (let i = 0; i < Math.min(buckets, les.length); i++)
    lines.push(`http_api_request_duration_seconds_bucket{le="${les[i]}"} ${10 * (i + 1)}`);
  lines.push(
    'http_api_request_duration_seconds_bucket{le="+Inf"} 90',
    'http_api_request_duration_seconds_sum 12.5',
    'http_api_request_duration_seconds_count 90',
  );
  return lines.join('\n') + '\n';
}

/** Counts the samples (non-comment lines) of a text-format body. */
export const seriesIn = (body: string) => body.split('\n').filter((l) => l && !l.startsWith('#')).length;

/**
 * A POST /api/v1/ingest body of `size` usage reports; each item's usageStatsId is the
 * request's unique id plus its position, so every item of every request is distinct.
 */
export function batchTemplate(size: number): string {
  const items = Array.from({ length: size }, (_, k) => ({
    kind: 'usage_report',
    payload: usageReport(k, `${ID_PLACEHOLDER}-${k}`),
  }));
  return JSON.stringify(items);
}
