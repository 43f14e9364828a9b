/**
 * ProcessedEvents for store tests, built from the real sample payloads in test/fixtures/samples
 * with ids from the same eventIdFor the API uses.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventIdFor } from '@app/contracts';
import type { ProcessedEvent } from '@app/storage';

const SAMPLES = join(__dirname, '../fixtures/samples');
const sample = (name: string) => JSON.parse(readFileSync(join(SAMPLES, name), 'utf8')) as Record<string, unknown>;

function event(
  kind: ProcessedEvent['kind'],
  payload: Record<string, unknown>,
  receivedAt: number,
  route: string,
): ProcessedEvent {
  return {
    id: eventIdFor(kind, payload, { receivedAt, clientIp: '192.0.2.1' }),
    kind,
    receivedAt,
    correlationId: randomUUID(),
    source: { route },
    payload,
  };
}

/** The sample usage report of a new instance (its own usageStatsId), with metric overrides. */
export function usageEvent(
  opts: {
    receivedAt?: number;
    instance?: string;
    metrics?: Record<string, unknown>;
    patch?: Record<string, unknown>;
  } = {},
): ProcessedEvent {
  const payload = sample('grafana-usage-report.json');
  payload.usageStatsId = opts.instance ?? randomUUID();
  payload.metrics = { ...(payload.metrics as Record<string, unknown>), ...opts.metrics };
  return event('usage_report', { ...payload, ...opts.patch }, opts.receivedAt ?? Date.now(), '/api/usage-stats');
}

/** The sample panel event with the given session, type and time (unix s). */
export function analyticsEvent(opts: {
  uuid: string;
  type: 'start' | 'heartbeat' | 'end';
  time: number;
  dashboard?: { name: string; uid: string };
  receivedAt?: number;
  patch?: Record<string, unknown>;
}): ProcessedEvent {
  const payload = sample('analytics-panel-start.json');
  Object.assign(
    payload,
    { uuid: opts.uuid, type: opts.type, time: opts.time },
    opts.dashboard ? { dashboard: opts.dashboard } : {},
    opts.patch,
  );
  return event('analytics', payload, opts.receivedAt ?? Date.now(), '/write');
}

export interface FamilySpec {
  name: string;
  type: 'counter' | 'gauge' | 'summary' | 'histogram' | 'untyped';
  samples: Array<{ name?: string; labels?: Record<string, string>; value: number | 'NaN' | '+Inf' | '-Inf' }>;
}

/** A Pushgateway-style push (job + grouping) as the API decodes it. */
export function metricsEvent(
  job: string,
  families: FamilySpec[],
  opts: { receivedAt?: number; grouping?: Record<string, string>; op?: 'put' | 'post' | 'delete' | 'fail' } = {},
): ProcessedEvent {
  const payload = {
    op: opts.op ?? 'post',
    job,
    grouping: opts.grouping ?? {},
    families: families.map((f) => ({
      name: f.name,
      type: f.type,
      samples: f.samples.map((s) => ({ name: s.name ?? f.name, labels: s.labels ?? {}, value: s.value })),
    })),
  };
  return event('metrics', payload, opts.receivedAt ?? Date.now(), `/metrics/job/${job}`);
}
