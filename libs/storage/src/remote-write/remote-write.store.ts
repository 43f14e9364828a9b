import { hostname } from 'node:os';
import type { RemoteWriteConfig } from '@app/config';
import type { Logger } from '@app/observability';
import { bodyText, isConfigurationStatus, isRetriableStatus, retriableResponse, send } from '../http-outcome';
import { MappedSeries, RemoteWriteBatchMapping } from './remote-write.batch-mapping';
import { encodeWriteRequest, Series } from './remote-write.proto';
import type { PushGroupMemory } from './remote-write.push-groups';
import { requireSetting } from '../required-setting';
import {
  PermanentStoreError,
  ProcessedEvent,
  RejectedEvent,
  RetriableStoreError,
  Store,
  StoreHealth,
  WriteResult,
} from '../store';

/** The headers the remote write 1.0 spec requires (DESIGN.md). */
const PROTOCOL_HEADERS = {
  'content-encoding': 'snappy',
  'content-type': 'application/x-protobuf',
  'x-prometheus-remote-write-version': '0.1.0',
  'user-agent': 'usage-stats-handler',
};

interface Refusal {
  item: MappedSeries;
  reason: string;
}

type ChunkOutcome = { ok: true; refused: Refusal[] } | { ok: false; error: RetriableStoreError };

export interface RemoteWriteStoreOptions {
  /** The `writer` label of this process' session counters; unique per process by default. */
  writerId?: string;
  now?: () => number;
  /** Where push group states outlive this process (Redis in the worker); in memory only without. */
  groupMemory?: PushGroupMemory;
}

/**
 * Prometheus remote write store: snappy-compressed protobuf WriteRequests of at most
 * REMOTE_WRITE_SERIES_LIMIT series, REMOTE_WRITE_CONCURRENCY at a time. 5xx/429, network
 * failures and 401/403/404 (settings, not data) are retried, Retry-After honoured. Any other
 * 4xx refuses records, not the store: Prometheus and Mimir answer 400 for out-of-order or
 * too-old samples while writing the rest of the request. Prometheus' own remote-write client
 * drops such a request and counts it; here the request is halved until the refused series are
 * alone (re-sent samples are the same points, so the receiver takes them again harmlessly), and
 * the events behind them are returned as rejected with the receiver's answer. A refused
 * session-counter series belongs to no single event: it is dropped with a warning, as Prometheus
 * does, and the next batch's cumulative total replaces it.
 */
export class RemoteWriteStore implements Store {
  readonly type = 'remote_write' as const;
  private readonly url: string;
  private readonly what: string;
  private readonly headers: Record<string, string>;
  private readonly mapping: RemoteWriteBatchMapping;
  private readonly groupMemory?: PushGroupMemory;
  /** Batches are written one after another so counter samples reach the receiver in time order. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly config: RemoteWriteConfig,
    private readonly logger?: Logger,
    options: RemoteWriteStoreOptions = {},
  ) {
    this.url = requireSetting('REMOTE_WRITE_URL', config.url, 'STORAGE_TYPE includes remote_write');
    this.what = `remote write receiver at ${new URL(this.url).host}`;
    this.headers = { ...config.extraHeaders, ...this.authHeader(), ...PROTOCOL_HEADERS };
    this.groupMemory = options.groupMemory;
    this.mapping = new RemoteWriteBatchMapping({
      writerId: options.writerId ?? `${hostname()}-${process.pid}-${Date.now().toString(36)}`,
      userLabels: config.userLabels,
      now: options.now ?? Date.now,
      groupMemory: options.groupMemory,
    });
  }

  private authHeader(): Record<string, string> {
    const c = this.config;
    if (c.bearerToken) return { authorization: `Bearer ${c.bearerToken}` };
    if (c.username)
      return { authorization: `Basic ${Buffer.from(`${c.username}:${c.password ?? ''}`).toString('base64')}` };
    return {};
  }

  async connect(): Promise<void> {
    const health = await this.health();
    if (!health.ok)
      this.logger?.warn(
        { store: this.type, detail: health.detail },
        'remote write receiver not reachable yet; writes will retry',
      );
  }

  writeBatch(events: ProcessedEvent[]): Promise<WriteResult> {
    const run = this.queue.then(() => this.write(events));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async write(events: ProcessedEvent[]): Promise<WriteResult> {
    const batch = await this.mapping.map(events);
    const all = batch.series;
    const chunks: MappedSeries[][] = [];
    for (let i = 0; i < all.length; i += this.config.seriesLimit)
      chunks.push(all.slice(i, i + this.config.seriesLimit));
    const outcomes = await this.sendAll(chunks);
    const refused = outcomes.flatMap((o) => (o.ok ? o.refused : []));
    const refusedItems = new Set(refused.map((r) => r.item));
    const reached = (chunk: MappedSeries[]) => chunk.filter((c) => c.key && !refusedItems.has(c)).map((c) => c.key!);
    batch.markWritten(chunks.flatMap((chunk, i) => (outcomes[i].ok ? reached(chunk) : [])));
    // An outage wins over a refusal: after the retry only the refusals remain.
    const retriable = outcomes.flatMap((o) => (o.ok ? [] : [o.error]));
    if (retriable.length > 0) {
      const wait = Math.max(0, ...retriable.map((e) => e.retryAfterMs ?? 0));
      throw new RetriableStoreError(
        `${retriable.length}/${chunks.length} requests failed: ${retriable[0].message}`,
        wait || undefined,
      );
    }
    await batch.commit();
    const rejected = this.rejections(refused);
    return { written: events.length - rejected.length, duplicates: 0, rejected };
  }

  /** The events behind refused series, each with the receiver's first reason; refused counters are logged. */
  private rejections(refused: Refusal[]): RejectedEvent[] {
    const byEvent = new Map<string, string>();
    let counters = 0;
    for (const { item, reason } of refused) {
      if (item.events.length === 0) counters++;
      for (const id of item.events) if (!byEvent.has(id)) byEvent.set(id, reason);
    }
    if (counters > 0) {
      const why = 'receiver refused session-counter series; dropped (the next total replaces them)';
      this.logger?.warn({ store: this.type, series: counters }, why);
    }
    return [...byEvent].map(([eventId, reason]) => ({ eventId, reason }));
  }

  /** Sends every chunk with at most `concurrency` requests in flight; never rejects. */
  private async sendAll(chunks: MappedSeries[][]): Promise<ChunkOutcome[]> {
    const outcomes: ChunkOutcome[] = new Array(chunks.length);
    let next = 0;
    const lane = async () => {
      while (next < chunks.length) {
        const i = next++;
        outcomes[i] = await this.deliver(chunks[i]).then(
          (refused) => ({ ok: true as const, refused }),
          (error: RetriableStoreError) => ({ ok: false as const, error }),
        );
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.config.concurrency, chunks.length) }, lane));
    return outcomes;
  }

  /**
   * Sends the items; a refusal (PermanentStoreError) halves them until each refused series is
   * alone, so k refused series of n cost about k·log2(n) extra requests. Outages reject.
   */
  private async deliver(items: MappedSeries[]): Promise<Refusal[]> {
    try {
      await this.post(items.map((i) => i.series));
      return [];
    } catch (err) {
      if (!(err instanceof PermanentStoreError)) throw err;
      if (items.length === 1) return [{ item: items[0], reason: err.message }];
      const mid = Math.ceil(items.length / 2);
      return [...(await this.deliver(items.slice(0, mid))), ...(await this.deliver(items.slice(mid)))];
    }
  }

  private async post(series: Series[]): Promise<void> {
    const res = await send(
      this.url,
      { method: 'POST', headers: this.headers, body: encodeWriteRequest(series) },
      this.config.timeoutMs,
      this.what,
    );
    if (res.ok) return void (await res.arrayBuffer());
    const body = await bodyText(res);
    if (isRetriableStatus(res.status)) throw retriableResponse(this.what, res, body);
    // Wrong credentials or URL say nothing about the data: hold it until the setting is fixed.
    if (isConfigurationStatus(res.status))
      throw new RetriableStoreError(
        `${this.what} refused the write (HTTP ${res.status}, check REMOTE_WRITE_* settings): ${body}`,
      );
    throw new PermanentStoreError(`${this.what} refused the series (HTTP ${res.status}): ${body || res.statusText}`);
  }

  /** An empty WriteRequest: proves the URL, the credentials and the receiver without writing data. */
  async health(): Promise<StoreHealth> {
    try {
      const res = await send(
        this.url,
        { method: 'POST', headers: this.headers, body: encodeWriteRequest([]) },
        Math.min(this.config.timeoutMs, 5000),
        this.what,
      );
      const body = await bodyText(res);
      return res.ok ? { ok: true } : { ok: false, detail: `${this.what} answered HTTP ${res.status}: ${body}` };
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    }
  }

  async close(): Promise<void> {
    await this.queue;
    await this.groupMemory?.close();
  }
}
