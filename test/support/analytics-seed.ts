/**
 * Scripted client traffic for the dashboard and rollup suites: analytics-panel sessions with
 * chosen points (start, heartbeats, end, focus) and Grafana usage reports with chosen fields,
 * sent on the real client routes of a running ingest API.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_API_KEY } from './apps';

const fixture = (name: string) =>
  JSON.parse(readFileSync(join(__dirname, '../fixtures/samples', name), 'utf8')) as Record<string, unknown>;

export interface PanelPoint {
  type: 'start' | 'heartbeat' | 'end';
  /** Seconds after the session's t0. */
  at: number;
  focus: boolean;
}

export interface ScriptedSession {
  uuid: string;
  dashboardUid: string;
  dashboardName: string;
  points: PanelPoint[];
  user?: { id?: number; orgRole?: string; lightTheme?: boolean; timezone?: string; locale?: string };
  host?: { hostname?: string; env?: string };
}

export function session(
  dashboardUid: string,
  points: PanelPoint[],
  extra: Partial<ScriptedSession> = {},
): ScriptedSession {
  return { uuid: randomUUID(), dashboardUid, dashboardName: `Board ${dashboardUid}`, points, ...extra };
}

async function post(url: string, init: RequestInit, expected: number): Promise<void> {
  const res = await fetch(url, init);
  if (res.status !== expected) throw new Error(`${init.method} ${url} answered ${res.status}: ${await res.text()}`);
}

/** Sends every point of every session to /write (the panel's route), in the given order; returns the events sent. */
export async function sendSessions(apiUrl: string, sessions: ScriptedSession[], t0: number): Promise<number> {
  const panel = fixture('analytics-panel-start.json');
  const requests = sessions.flatMap((s) =>
    s.points.map((p) => {
      const user = { ...(panel.user as object), ...s.user };
      const host = panel.host as { buildInfo: object };
      const body = JSON.stringify({
        ...panel,
        uuid: s.uuid,
        type: p.type,
        time: t0 + p.at,
        hasFocus: p.focus,
        dashboard: { name: s.dashboardName, uid: s.dashboardUid },
        user,
        host: {
          ...host,
          hostname: s.host?.hostname ?? 'grafana-a',
          buildInfo: { ...host.buildInfo, env: s.host?.env ?? 'production' },
        },
      });
      return () =>
        post(
          `${apiUrl}/write?key=${TEST_API_KEY}`,
          { method: 'POST', body, headers: { 'content-type': 'text/plain' } },
          201,
        );
    }),
  );
  for (let i = 0; i < requests.length; i += 10) await Promise.all(requests.slice(i, i + 10).map((r) => r()));
  return requests.length;
}

export interface ScriptedReport {
  instance: string;
  version: string;
  edition?: string;
  os?: string;
  arch?: string;
  packaging?: string;
  metrics?: Record<string, number>;
}

/** Sends each report to /grafana-usage-report (Grafana's own route); returns the reports sent. */
export async function sendReports(apiUrl: string, reports: ScriptedReport[]): Promise<number> {
  const base = fixture('grafana-usage-report.json');
  for (const r of reports) {
    const body = JSON.stringify({
      ...base,
      usageStatsId: r.instance,
      version: r.version,
      edition: r.edition ?? base.edition,
      os: r.os ?? base.os,
      arch: r.arch ?? base.arch,
      packaging: r.packaging ?? base.packaging,
      metrics: { ...(base.metrics as object), ...r.metrics },
    });
    await post(
      `${apiUrl}/grafana-usage-report`,
      {
        method: 'POST',
        body,
        headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      },
      200,
    );
  }
  return reports.length;
}
