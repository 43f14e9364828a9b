import type { EnvelopeSource, EventKind } from '@app/contracts';
import type { StorageType } from '@app/config';

/**
 * An event after rules and anonymization, ready for a store. Rules may reshape the payload,
 * so stores read it defensively and map it to their own row shapes.
 */
export interface ProcessedEvent {
  id: string;
  kind: EventKind;
  /** Unix ms the API accepted it. */
  receivedAt: number;
  correlationId: string;
  source: EnvelopeSource;
  payload: Record<string, unknown>;
}

/** An event's id, as a callback defined once for per-event `map`s (docs/operations.md, "Closures on the hot path"). */
export const eventIdOf = (e: ProcessedEvent): string => e.id;

export interface RejectedEvent {
  eventId: string;
  reason: string;
}

export interface WriteResult {
  /** Events newly stored (or replaced, in replace mode). */
  written: number;
  /** Events the store already had (idempotent re-delivery). */
  duplicates: number;
  /** Events the store refused permanently; the caller dead-letters them with the reason. */
  rejected: RejectedEvent[];
}

export interface WriteOptions {
  /**
   * insert: keep what is stored (live traffic; re-deliveries are no-ops).
   * replace: overwrite the stored rows of these event ids (backfills with changed rules).
   */
  mode: 'insert' | 'replace';
}

export interface StoreHealth {
  ok: boolean;
  detail?: string;
}

/**
 * The one contract every sink implements (cf. Benthos' Connect/WriteBatch/Close). The
 * pipeline, not the store, owns batching, retries and offsets.
 *
 * Errors: throw RetriableStoreError for outages (the batch is retried, offsets held);
 * throw PermanentStoreError when the whole batch can never be written (it is dead-lettered);
 * return per-event refusals in `rejected`.
 */
export interface Store {
  readonly type: StorageType;
  connect(): Promise<void>;
  writeBatch(events: ProcessedEvent[], options?: WriteOptions): Promise<WriteResult>;
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
  /**
   * Which of these event ids the store holds (for `usage-stats ledger`); absent when the store
   * cannot be asked cheaply by id.
   */
  storedIds?(ids: string[]): Promise<Set<string>>;
}

export class RetriableStoreError extends Error {
  override readonly name = 'RetriableStoreError';
  constructor(
    message: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class PermanentStoreError extends Error {
  override readonly name = 'PermanentStoreError';
}
