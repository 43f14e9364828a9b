import { normalizeGrafanaVersion } from '@app/contracts';

/**
 * Defensive readers for processed payloads. Rules may drop or reshape any field, so every
 * value is checked for its type and a missing one is simply undefined; the stores map these
 * views to their own shapes (rows, points, series).
 */

type Obj = Record<string, unknown>;

function obj(value: unknown): Obj | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Obj) : undefined;
}

function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function bool(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

export interface UsageView {
  /** As Grafana sends it: "10_4_1", or any odd string. */
  version?: string;
  /** normalizeGrafanaVersion of it: "10_4_1" or "unknown" (what label-based stores use). */
  normalizedVersion: string;
  os?: string;
  arch?: string;
  edition?: string;
  packaging?: string;
  /** usageStatsId: the instance (already a pseudonym after anonymization). */
  instance?: string;
  hasValidLicense?: boolean;
  installVersion?: string;
  databaseCreated?: number;
  /** Only the finite numeric entries of the open-ended metrics map. */
  numericMetrics: Array<[string, number]>;
}

export function usageView(payload: Obj): UsageView {
  const metrics = obj(payload.metrics) ?? {};
  const numericMetrics = Object.entries(metrics)
    .map(([k, v]) => [k, num(v)] as const)
    .filter((e): e is [string, number] => e[1] !== undefined);
  return {
    version: str(payload.version),
    normalizedVersion: normalizeGrafanaVersion(payload.version),
    os: str(payload.os),
    arch: str(payload.arch),
    edition: str(payload.edition),
    packaging: str(payload.packaging),
    instance: str(payload.usageStatsId),
    hasValidLicense: bool(payload.hasValidLicense),
    installVersion: str(payload.installVersion),
    databaseCreated: num(payload.databaseCreated),
    numericMetrics,
  };
}

export interface AnalyticsView {
  uuid?: string;
  type?: string;
  /** Unix seconds (the browser's clock). */
  time?: number;
  hasFocus?: boolean;
  dashboardUid?: string;
  dashboardName?: string;
  dashboardTimezone?: string;
  /** hostname:port, as the reference analytics server labels it. */
  grafanaHost?: string;
  grafanaEnv?: string;
  grafanaVersion?: string;
  userLogin?: string;
  userName?: string;
  /** admin | editor | user, derived like the reference server (not the org role). */
  userRole?: string;
  orgRole?: string;
  userTheme?: 'light' | 'dark';
  userTimezone?: string;
  userLocale?: string;
  heartbeatIntervalSeconds?: number;
}

function roleOf(user: Obj): string | undefined {
  const admin = bool(user.isGrafanaAdmin);
  const editor = bool(user.hasEditPermissionInFolders);
  if (admin) return 'admin';
  if (editor) return 'editor';
  return admin === false || editor === false ? 'user' : undefined;
}

function hostOf(host: Obj): string | undefined {
  const name = str(host.hostname);
  const port = str(host.port);
  return name && port ? `${name}:${port}` : name;
}

export function analyticsView(payload: Obj): AnalyticsView {
  const host = obj(payload.host) ?? {};
  const build = obj(host.buildInfo) ?? {};
  const dashboard = obj(payload.dashboard) ?? {};
  const user = obj(payload.user) ?? {};
  const theme = bool(user.lightTheme);
  return {
    // "" (heartbeats without a start) names no session.
    uuid: str(payload.uuid) || undefined,
    type: str(payload.type),
    time: num(payload.time),
    hasFocus: bool(payload.hasFocus),
    dashboardUid: str(dashboard.uid),
    dashboardName: str(dashboard.name),
    dashboardTimezone: str(payload.timeZone),
    grafanaHost: hostOf(host),
    grafanaEnv: str(build.env),
    grafanaVersion: str(build.version),
    userLogin: str(user.login),
    userName: str(user.name),
    userRole: roleOf(user),
    orgRole: str(user.orgRole),
    userTheme: theme === undefined ? undefined : theme ? 'light' : 'dark',
    userTimezone: str(user.timezone),
    userLocale: str(user.locale),
    heartbeatIntervalSeconds: num(obj(payload.options)?.heartbeatInterval),
  };
}

export interface SampleView {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface FamilyView {
  name: string;
  type: string;
  samples: SampleView[];
}

export interface MetricsView {
  op?: string;
  job?: string;
  grouping: Record<string, string>;
  families: FamilyView[];
}

/** JSON cannot carry NaN or infinities, so the push spells them as Prometheus does. */
export function sampleValue(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return NaN;
  if (value === '+Inf') return Infinity;
  if (value === '-Inf') return -Infinity;
  return undefined;
}

function labelsOf(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(value) ?? {})) {
    const s = str(v);
    if (s !== undefined) out[k] = s;
  }
  return out;
}

function familyOf(value: unknown): FamilyView | undefined {
  const f = obj(value);
  const name = str(f?.name);
  if (!f || !name) return undefined;
  const samples: SampleView[] = [];
  for (const raw of Array.isArray(f.samples) ? f.samples : []) {
    const s = obj(raw);
    const v = sampleValue(s?.value);
    const sampleName = str(s?.name) ?? name;
    if (s && v !== undefined) samples.push({ name: sampleName, labels: labelsOf(s.labels), value: v });
  }
  return { name, type: str(f.type) ?? 'untyped', samples };
}

export function metricsView(payload: Obj): MetricsView {
  const families = (Array.isArray(payload.families) ? payload.families : [])
    .map(familyOf)
    .filter((f): f is FamilyView => f !== undefined);
  return { op: str(payload.op), job: str(payload.job), grouping: labelsOf(payload.grouping), families };
}

/**
 * The labels a pushed sample is stored with: its own, then the job and grouping key, which
 * win on conflict as they do in the Pushgateway.
 */
export function pushedLabels(view: MetricsView, sample: SampleView): Record<string, string> {
  // Object.assign: spreads one after another make a new hidden class per sample (docs/operations.md).
  return Object.assign({}, sample.labels, view.job ? { job: view.job } : undefined, view.grouping);
}
