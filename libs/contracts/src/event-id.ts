import { canonicalJson } from './canonical-json';
import { sha256Hex } from './sha256';
import { EventKind } from './envelope';
import { AnalyticsEvent } from './analytics-event.schema';
import { MetricsPush } from './metrics-push.schema';
import { UsageReport } from './usage-report.schema';

/** 128 bits of SHA-256 as 32 hex characters: short enough to index, far from collisions. */
function digest(...parts: string[]): string {
  return sha256Hex(parts.join('\u0000')).slice(0, 32);
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

export interface IdContext {
  /** Unix ms the API received the item. */
  receivedAt: number;
  /** The client's Idempotency-Key header, if any. */
  idempotencyKey?: string;
  /** Position in a batch, so one Idempotency-Key can cover a whole batch. */
  index?: number;
  /** The client's address: part of the usage report's natural key (instances of one cluster share usageStatsId). */
  clientIp?: string;
  /** An id the client gave the item itself (batch items). */
  clientId?: string;
  /**
   * Whose ids `idempotencyKey` and `clientId` are (the API key's fingerprint): two tenants that
   * happen to use the same id must not dedupe each other's events away.
   */
  tenant?: string;
  /**
   * A digest of the item's bytes as the client sent them (decompressed). A client's retry
   * resends the same bytes, so this dedupes retries like the canonical content does, without
   * walking a large parsed payload on the hot path (used for pushes).
   */
  contentDigest?: string;
}

/**
 * One spelling per address, so a report pushed to a dual-stack listener (`::ffff:10.0.0.5`)
 * and the same instance's report pulled by the collector over IPv4 (`10.0.0.5`) share an id.
 */
export function sameAddress(ip: string | undefined): string {
  const text = (ip ?? '').trim().toLowerCase();
  return text.startsWith('::ffff:') && text.includes('.') ? text.slice(7) : text;
}

/**
 * The event id: the client's idempotency key, else the payload's natural key, else a hash of
 * its canonical content. A client retry therefore always maps to the same id.
 */
export function eventIdFor(kind: EventKind, payload: unknown, ctx: IdContext): string {
  // Without a tenant (auth off) the ids stay what they were.
  const scope = ctx.tenant ? ['tenant', ctx.tenant] : [];
  if (ctx.idempotencyKey) return digest(kind, ...scope, 'idempotency-key', ctx.idempotencyKey, String(ctx.index ?? 0));
  if (ctx.clientId) return digest(kind, ...scope, 'client-id', ctx.clientId);
  switch (kind) {
    case 'usage_report': {
      const report = payload as UsageReport;
      if (report.usageStatsId) {
        const day = Math.floor(ctx.receivedAt / DAY_MS);
        return digest(kind, report.usageStatsId, String(day), sameAddress(ctx.clientIp));
      }
      // No usageStatsId (older Grafana, or "" after a failed key-value read): address, day and content.
      const day = String(Math.floor(ctx.receivedAt / DAY_MS));
      return digest(kind, 'content', day, sameAddress(ctx.clientIp), canonicalJson(payload));
    }
    case 'analytics': {
      const e = payload as AnalyticsEvent;
      // Heartbeats without a start carry uuid "": only their content tells them apart.
      if (!e.uuid) return digest(kind, 'content', canonicalJson(payload));
      return digest(kind, e.uuid, e.type, String(e.time));
    }
    case 'metrics': {
      // Pushes carry no timestamps; an unchanged gauge pushed every minute must still make a
      // new point per minute, while a retry within the minute dedupes.
      const minute = Math.floor(ctx.receivedAt / MINUTE_MS);
      if (ctx.contentDigest) {
        const push = payload as MetricsPush;
        return digest(
          kind,
          'bytes',
          push.op,
          push.job,
          canonicalJson(push.grouping),
          ctx.contentDigest,
          String(minute),
        );
      }
      return digest(kind, canonicalJson(payload), String(minute));
    }
  }
}

/** Kafka message key: the instance identity, so one instance's events stay in order. */
export function instanceKeyFor(kind: EventKind, payload: unknown, eventId: string): string {
  switch (kind) {
    case 'usage_report':
      return (payload as UsageReport).usageStatsId || eventId;
    case 'analytics':
      return (payload as AnalyticsEvent).host?.hostname || eventId;
    case 'metrics': {
      const push = payload as MetricsPush;
      return canonicalJson({ job: push.job, grouping: push.grouping });
    }
  }
}

/** Id of one stored sample of a push: its event's id plus the series identity. */
export function sampleIdFor(eventId: string, sampleName: string, labels: Record<string, string>): string {
  return digest(eventId, sampleName, canonicalJson(labels));
}
