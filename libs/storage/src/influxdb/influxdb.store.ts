import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import type { InfluxDbConfig } from '@app/config';
import type { Logger } from '@app/observability';
import { bodyText, isConfigurationStatus, isRetriableStatus, retriableResponse, send } from '../http-outcome';
import { influxErrorText, linesNamedIn } from './influxdb-response';
import { pointsFor } from './influxdb.mapping';
import { formatPoint, Precision } from './line-protocol';
import { requireSetting } from '../required-setting';
import { ProcessedEvent, RejectedEvent, RetriableStoreError, Store, StoreHealth, WriteResult } from '../store';

const gzip = promisify(gzipCb);

/** One line of the request body and the event it came from. */
interface Line {
  text: string;
  event: number;
}

const V1_PRECISION: Record<Precision, string> = { ns: 'ns', us: 'u', ms: 'ms', s: 's' };

/**
 * InfluxDB store: line protocol over HTTP, gzip-compressed, in requests of INFLUXDB_BATCH_SIZE
 * lines, to the 1.x (/write) or 2.x/3.x (/api/v2/write) API. Points are keyed by series and
 * timestamp, both derived from the event, so writes are idempotent: a replay overwrites.
 */
export class InfluxDbStore implements Store {
  readonly type = 'influxdb' as const;
  private readonly base: string;
  private readonly what: string;

  constructor(
    private readonly config: InfluxDbConfig,
    private readonly logger?: Logger,
  ) {
    const url = requireSetting('INFLUXDB_URL', config.url, 'STORAGE_TYPE includes influxdb');
    if (config.apiVersion === 1)
      requireSetting('INFLUXDB_DATABASE', config.database, 'STORAGE_TYPE includes influxdb and INFLUXDB_API_VERSION=1');
    else requireSetting('INFLUXDB_BUCKET', config.bucket, 'STORAGE_TYPE includes influxdb and INFLUXDB_API_VERSION=2');
    this.base = url.replace(/\/+$/, '');
    this.what = `InfluxDB at ${new URL(this.base).host}`;
  }

  /** A peer that is down at start is an outage like any other: the writes retry, start does not fail. */
  async connect(): Promise<void> {
    const health = await this.health();
    if (!health.ok)
      this.logger?.warn({ store: this.type, detail: health.detail }, 'InfluxDB not reachable yet; writes will retry');
  }

  async writeBatch(events: ProcessedEvent[]): Promise<WriteResult> {
    const lines: Line[] = [];
    events.forEach((event, i) => {
      for (const point of pointsFor(event, this.config.precision)) {
        const text = formatPoint(point);
        if (text) lines.push({ text, event: i });
      }
    });
    const rejected = new Map<number, string>();
    for (let i = 0; i < lines.length; i += this.config.batchSize) {
      await this.writeLines(lines.slice(i, i + this.config.batchSize), rejected);
    }
    const refusals: RejectedEvent[] = [...rejected].map(([i, reason]) => ({ eventId: events[i].id, reason }));
    return { written: events.length - refusals.length, duplicates: 0, rejected: refusals };
  }

  /**
   * Writes lines; lines InfluxDB refuses for good are traced to their events. Only an answer to
   * a request holding one event's lines alone rejects that event, so a healthy event is never
   * dead-lettered for a neighbour's fault. Re-sending lines is safe: same point, same values.
   */
  private async writeLines(lines: Line[], rejected: Map<number, string>): Promise<void> {
    if (lines.length === 0) return;
    const res = await send(
      this.writeUrl(),
      await this.request(lines.map((l) => l.text).join('\n')),
      this.config.timeoutMs,
      this.what,
    );
    if (res.ok) return void (await res.arrayBuffer());
    const body = await bodyText(res, 100_000);
    if (isRetriableStatus(res.status)) throw retriableResponse(this.what, res, body);
    if (isConfigurationStatus(res.status)) {
      throw new RetriableStoreError(
        `${this.what} refused the write (HTTP ${res.status}, check INFLUXDB_* settings): ${influxErrorText(body).slice(0, 500)}`,
      );
    }
    const events = [...new Set(lines.map((l) => l.event))];
    if (events.length === 1) {
      rejected.set(
        events[0],
        `InfluxDB refused the point (HTTP ${res.status}): ${influxErrorText(body).slice(0, 1000)}`,
      );
      return;
    }
    const named = linesNamedIn(
      body,
      lines.map((l) => l.text),
    );
    const suspects = new Set([...named].map((i) => lines[i].event));
    if (suspects.size > 0 && suspects.size < events.length) {
      await this.writeLines(
        lines.filter((l) => !suspects.has(l.event)),
        rejected,
      );
      for (const e of suspects)
        await this.writeLines(
          lines.filter((l) => l.event === e),
          rejected,
        );
      return;
    }
    const half = events.slice(0, Math.ceil(events.length / 2));
    const first = new Set(half);
    await this.writeLines(
      lines.filter((l) => first.has(l.event)),
      rejected,
    );
    await this.writeLines(
      lines.filter((l) => !first.has(l.event)),
      rejected,
    );
  }

  private writeUrl(): string {
    const c = this.config;
    const params = new URLSearchParams();
    if (c.apiVersion === 1) {
      params.set('db', c.database ?? '');
      if (c.retentionPolicy) params.set('rp', c.retentionPolicy);
      params.set('precision', V1_PRECISION[c.precision]);
      return `${this.base}/write?${params}`;
    }
    if (c.org) params.set('org', c.org);
    params.set('bucket', c.bucket ?? '');
    params.set('precision', c.precision);
    return `${this.base}/api/v2/write?${params}`;
  }

  private async request(body: string): Promise<RequestInit> {
    const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
    const c = this.config;
    if (c.apiVersion === 2 && c.token) headers.authorization = `Token ${c.token}`;
    if (c.username)
      headers.authorization = `Basic ${Buffer.from(`${c.username}:${c.password ?? ''}`).toString('base64')}`;
    if (!c.gzip) return { method: 'POST', headers, body };
    headers['content-encoding'] = 'gzip';
    return { method: 'POST', headers, body: await gzip(Buffer.from(body)) };
  }

  /** Vector-style sink health check: InfluxDB's (and VictoriaMetrics') /ping. */
  async health(): Promise<StoreHealth> {
    try {
      const res = await send(`${this.base}/ping`, { method: 'GET' }, Math.min(this.config.timeoutMs, 5000), this.what);
      await res.arrayBuffer();
      return res.ok ? { ok: true } : { ok: false, detail: `${this.what} /ping answered HTTP ${res.status}` };
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    }
  }

  async close(): Promise<void> {
    // fetch keeps no per-store resources.
  }
}
