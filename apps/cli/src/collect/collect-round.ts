import { randomUUID } from 'node:crypto';
import { EdgeTransform, EnvelopeMessage, envelopeMessage, PayloadValidator } from '@app/contracts';
import type { Logger } from '@app/observability';
import { mapBounded } from './bounded-map';
import { authorizationFor, FetchOptions } from './grafana-client';
import { classifyFetch, FetchResult, Outcome } from './outcome';
import { CollectTarget, TargetsFile, TokenSource } from './targets-file';
import { TokenResolution } from './token-source';

/** One target's outcome in one round: a row of the summary and one log line. */
export interface TargetResult {
  target: string;
  url: string;
  outcome: Outcome;
  status?: number;
  durationMs: number;
  eventId?: string;
  detail?: string;
}

export interface RoundDeps {
  fetch(url: string, options: FetchOptions): Promise<FetchResult>;
  publish(message: EnvelopeMessage): Promise<void>;
  token(source: TokenSource): Promise<TokenResolution>;
  validator: PayloadValidator;
  /** ANONYMIZE_AT=ingest: applied before Kafka, as the API does. */
  edge?: EdgeTransform;
  limits: { maxBytes: number; maxDepth: number };
  logger: Logger;
  now?: () => number;
}

export const COLLECTOR_USER_AGENT = 'usage-stats-collect';

/** Polls every target (at most `concurrency` at once) and publishes each valid report; never rejects. */
export function collectRound(file: TargetsFile, deps: RoundDeps): Promise<TargetResult[]> {
  // collectOne turns every expected failure into a value; this guards the round against a bug in one target's path.
  const guarded = (target: CollectTarget) =>
    collectOne(target, deps).catch((err: unknown): TargetResult => ({
      target: target.name,
      url: target.url,
      outcome: 'unreachable',
      durationMs: 0,
      detail: `unexpected: ${String(err)}`,
    }));
  return mapBounded(file.targets, file.concurrency, guarded);
}

type Outcomeless = Omit<TargetResult, 'target' | 'url' | 'durationMs'>;

/** One target: secret, fetch, classification, publication; every result timed and logged once. */
async function collectOne(target: CollectTarget, deps: RoundDeps): Promise<TargetResult> {
  const now = deps.now ?? Date.now;
  const started = now();
  const r = await pullAndPublish(target, deps, now);
  const result = { target: target.name, url: target.url, ...r, durationMs: now() - started };
  const { detail, ...fields } = result;
  if (result.outcome === 'ok') deps.logger.info(fields, 'usage report collected');
  else deps.logger.warn({ ...fields, detail }, 'usage report not collected');
  return result;
}

async function pullAndPublish(target: CollectTarget, deps: RoundDeps, now: () => number): Promise<Outcomeless> {
  const token = await deps.token(target.token);
  if (!token.ok) return { outcome: 'no_token', detail: token.reason };
  const fetched = await deps.fetch(target.url, {
    authorization: authorizationFor(token.token, target.username),
    timeoutMs: target.timeoutMs,
    maxBytes: deps.limits.maxBytes,
    userAgent: COLLECTOR_USER_AGENT,
  });
  const status = 'status' in fetched ? fetched.status : undefined;
  const classified = classifyFetch(fetched, deps.validator, { maxDepth: deps.limits.maxDepth });
  if (classified.outcome !== 'ok') return { outcome: classified.outcome, status, detail: classified.detail };
  // The address is part of the event id: see "Event ids" in docs/operations.md.
  const message = envelopeMessage(
    { kind: 'usage_report', payload: classified.report },
    {
      route: `collect:${target.name}`,
      receivedAt: now(),
      correlationId: randomUUID(),
      ip: target.address ?? (fetched.kind === 'response' ? fetched.remoteAddress : undefined),
      userAgent: COLLECTOR_USER_AGENT,
    },
    deps.edge,
  );
  try {
    await deps.publish(message);
  } catch (err) {
    return { outcome: 'publish_failed', status, eventId: message.id, detail: (err as Error).message };
  }
  return { outcome: 'ok', status, eventId: message.id };
}
