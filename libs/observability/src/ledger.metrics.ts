import { Counter, Registry } from 'prom-client';

/** Where an event's delivery stands (docs/operations.md, "The delivery ledger"). */
export const LEDGER_STAGES = [
  'acknowledged',
  'written',
  'deduplicated',
  'dropped',
  'dead_lettered',
  'replayed',
] as const;
export type LedgerStage = (typeof LEDGER_STAGES)[number];

export const LEDGER_METRIC = 'usage_stats_ledger_events_total';

/** The API acknowledges for every configured store at once. */
export const ANY_STORE = 'all';

export interface LedgerLabels {
  route: string;
  key_id: string;
  kind: string;
  store: string;
  /** Rule name for dropped, dead-letter reason for dead_lettered, dedupe layer for deduplicated; else "". */
  reason?: string;
}

/** What an envelope says about where it came from (its `source`). */
export interface LedgerSource {
  route?: string;
  apiKeyId?: string;
}

const ROUTE = /^\/[A-Za-z0-9_./:*-]{0,80}$/;
const KEY_ID = /^[0-9a-f]{1,16}$/;

/**
 * The labels of a source, bounded: routes are the API's route templates (never the request's
 * path) and key ids the 12-hex fingerprints of configured API keys; anything else (a foreign
 * producer's envelope) is folded into "other" so a hostile topic cannot blow up the series.
 */
export function ledgerSource(source?: LedgerSource): { route: string; key_id: string } {
  const route = source?.route === undefined ? 'unknown' : ROUTE.test(source.route) ? source.route : 'other';
  const keyId = source?.apiKeyId === undefined ? 'none' : KEY_ID.test(source.apiKeyId) ? source.apiKeyId : 'other';
  return { route, key_id: keyId };
}

/**
 * One counter for every stage of delivery, with the same name and labels in the API and the
 * worker, so `sum by (route, key_id, kind) (...)` lines the stages up. Counters reset when a
 * process restarts: `usage-stats ledger` reconciles from the topics and stores instead.
 */
export class LedgerMetrics {
  readonly events: Counter<'stage' | 'route' | 'key_id' | 'kind' | 'store' | 'reason'>;

  constructor(registry: Registry) {
    this.events = new Counter({
      name: LEDGER_METRIC,
      help:
        'Events by delivery stage (acknowledged by the API; written, deduplicated, dropped, dead_lettered, replayed by a worker), ' +
        'source (route, key_id), kind and store',
      labelNames: ['stage', 'route', 'key_id', 'kind', 'store', 'reason'],
      registers: [registry],
    });
  }

  count(stage: LedgerStage, labels: LedgerLabels, n = 1): void {
    if (n > 0) this.events.inc({ stage, reason: '', ...labels }, n);
  }
}
