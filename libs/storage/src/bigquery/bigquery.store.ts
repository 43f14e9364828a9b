import { existsSync } from 'node:fs';
import { BigQuery, Table } from '@google-cloud/bigquery';
import { BigQueryConfig, ConfigError } from '@app/config';
import type { Logger } from '@app/observability';
import { BigQueryErrorItem, requestVerdict, rowVerdict } from './bigquery.errors';
import { CLUSTER_COLUMNS, insertIdFor, PARTITION_COLUMN, Row, rowFor, TABLE_SCHEMA } from './bigquery.mapping';
import { parseRetryAfter } from '../http-outcome';
import { requireSetting } from '../required-setting';
import { ProcessedEvent, RetriableStoreError, Store, StoreHealth, WriteOptions, WriteResult } from '../store';

/** insertAll limits: 10 MB per request and per row (https://cloud.google.com/bigquery/quotas#streaming_inserts). */
const MAX_REQUEST_BYTES = 9 * 1024 * 1024;
const MAX_ROW_BYTES = 10 * 1024 * 1024;

interface ApiErrorLike {
  name?: string;
  code?: unknown;
  message?: string;
  errors?: BigQueryErrorItem[];
  response?: { insertErrors?: Array<{ index: number; errors: BigQueryErrorItem[] }>; headers?: Record<string, string> };
}

interface Outcome {
  rejected: Map<number, string>;
  retry: string[];
}

/**
 * BigQuery store: streaming inserts (tabledata.insertAll) through the official client, insertId
 * = event id, into one day-partitioned table created on first use. Rows BigQuery calls invalid
 * are returned as rejected (dead-lettered with its reason); everything else that fails is retried.
 */
export class BigQueryStore implements Store {
  readonly type = 'bigquery' as const;
  private readonly client: BigQuery;
  private readonly table: Table;
  private readonly name: string;
  private ready?: Promise<void>;

  constructor(
    private readonly config: BigQueryConfig,
    private readonly logger?: Logger,
  ) {
    const projectId = requireSetting('BIGQUERY_PROJECT_ID', config.projectId, 'STORAGE_TYPE includes bigquery');
    const hasKey = existsSync(config.credentialsFile);
    if (!hasKey && !config.apiEndpoint) {
      throw new ConfigError(
        `Invalid configuration: BIGQUERY_CREDENTIALS_FILE=${JSON.stringify(config.credentialsFile)}: no such file ` +
          '(a service-account key file is required unless BIGQUERY_API_ENDPOINT names an emulator)',
      );
    }
    // The pipeline owns retries and backoff, so the client must not retry on its own.
    this.client = new BigQuery({
      projectId,
      apiEndpoint: config.apiEndpoint,
      keyFilename: hasKey ? config.credentialsFile : undefined,
      location: config.location,
      retryOptions: { autoRetry: false, maxRetries: 0 },
      timeout: config.timeoutMs,
    } as ConstructorParameters<typeof BigQuery>[0]);
    this.table = this.client.dataset(config.dataset).table(config.table);
    this.name = `${projectId}:${config.dataset}.${config.table}`;
  }

  /** Creates the dataset and table when missing; an unreachable BigQuery only delays that to the first write. */
  async connect(): Promise<void> {
    try {
      await this.ensureTable();
    } catch (err) {
      if (!(err instanceof RetriableStoreError)) throw err;
      this.logger?.warn(
        { store: this.type, err: err.message },
        'BigQuery not reachable yet; table check will be retried on write',
      );
    }
  }

  private ensureTable(): Promise<void> {
    this.ready ??= this.createIfMissing().catch((err: unknown) => {
      this.ready = undefined;
      const keep = err instanceof RetriableStoreError || (err instanceof Error && err.name === 'BigQuerySchemaError');
      throw keep ? err : this.retriable('table check failed', err);
    });
    return this.ready;
  }

  private async createIfMissing(): Promise<void> {
    const dataset = this.client.dataset(this.config.dataset);
    if (!(await dataset.exists())[0]) await ignoreConflict(dataset.create({ location: this.config.location }));
    if (!(await this.table.exists())[0]) {
      await ignoreConflict(
        this.table.create({
          schema: { fields: TABLE_SCHEMA },
          timePartitioning: { type: 'DAY', field: PARTITION_COLUMN },
          clustering: { fields: CLUSTER_COLUMNS },
          description: 'usage-stats-handler events (see docs/stores.md)',
        }),
      );
      return;
    }
    const [metadata] = await this.table.getMetadata();
    const have = new Set(
      ((metadata as { schema?: { fields?: Array<{ name: string }> } }).schema?.fields ?? []).map((f) => f.name),
    );
    const missing = TABLE_SCHEMA.filter((c) => !have.has(c.name)).map((c) => c.name);
    if (missing.length > 0) {
      const err = new Error(
        `BigQuery table ${this.name} lacks columns ${missing.join(', ')}: ` +
          'add them (they are NULLABLE or REPEATED) or set BIGQUERY_TABLE to a new table',
      );
      err.name = 'BigQuerySchemaError';
      throw err;
    }
  }

  async writeBatch(events: ProcessedEvent[], options: WriteOptions = { mode: 'insert' }): Promise<WriteResult> {
    if (events.length === 0) return { written: 0, duplicates: 0, rejected: [] };
    await this.ensureTable();
    const writtenAt = Date.now();
    const rows = events.map((event) => {
      const json = rowFor(event, writtenAt);
      return { insertId: insertIdFor(event, json, options.mode), json, bytes: Buffer.byteLength(JSON.stringify(json)) };
    });
    const outcome: Outcome = { rejected: new Map(), retry: [] };
    const pending = rows
      .map((_, i) => i)
      .filter((i) => {
        if (rows[i].bytes <= MAX_ROW_BYTES) return true;
        outcome.rejected.set(i, `BigQuery refuses streamed rows over 10 MB (this row: ${rows[i].bytes} bytes)`);
        return false;
      });
    for (const chunk of this.chunks(pending, rows)) await this.insert(chunk, rows, outcome);
    if (outcome.retry.length > 0) {
      throw new RetriableStoreError(
        `BigQuery could not take ${outcome.retry.length} of ${events.length} rows yet: ${outcome.retry[0]}`,
      );
    }
    const rejected = [...outcome.rejected].map(([i, reason]) => ({ eventId: events[i].id, reason }));
    return { written: events.length - rejected.length, duplicates: 0, rejected };
  }

  private chunks(indexes: number[], rows: Array<{ bytes: number }>): number[][] {
    const out: number[][] = [];
    let current: number[] = [];
    let bytes = 0;
    for (const i of indexes) {
      if (
        current.length > 0 &&
        (current.length >= this.config.maxRowsPerRequest || bytes + rows[i].bytes > MAX_REQUEST_BYTES)
      ) {
        out.push(current);
        current = [];
        bytes = 0;
      }
      current.push(i);
      bytes += rows[i].bytes;
    }
    if (current.length > 0) out.push(current);
    return out;
  }

  /** One insertAll request; a request refused as a whole is halved until the bad row stands alone. */
  private async insert(
    indexes: number[],
    rows: Array<{ insertId: string; json: Row }>,
    outcome: Outcome,
  ): Promise<void> {
    try {
      const raw = indexes.map((i) => ({ insertId: rows[i].insertId, json: rows[i].json }));
      await this.table.insert(raw, { raw: true, skipInvalidRows: true, ignoreUnknownValues: false, partialRetries: 0 });
    } catch (caught) {
      const err = caught as ApiErrorLike;
      if (err.name === 'PartialFailureError' && err.response?.insertErrors) {
        for (const { index, errors } of err.response.insertErrors) {
          const verdict = rowVerdict(errors ?? []);
          if (verdict.retry) outcome.retry.push(verdict.reason);
          else outcome.rejected.set(indexes[index], verdict.reason);
        }
        return;
      }
      const verdict = requestVerdict(typeof err.code === 'number' ? err.code : undefined, err.errors ?? []);
      if (verdict === 'table-missing') this.ready = undefined;
      if (verdict !== 'split') throw this.retriable('insertAll failed', caught);
      if (indexes.length === 1) {
        outcome.rejected.set(indexes[0], `BigQuery refused the row: ${err.message ?? 'invalid request'}`);
        return;
      }
      const half = Math.ceil(indexes.length / 2);
      await this.insert(indexes.slice(0, half), rows, outcome);
      await this.insert(indexes.slice(half), rows, outcome);
    }
  }

  private retriable(what: string, caught: unknown): RetriableStoreError {
    const err = caught as ApiErrorLike;
    const code =
      typeof err.code === 'number' ? ` (HTTP ${err.code})` : typeof err.code === 'string' ? ` (${err.code})` : '';
    return new RetriableStoreError(
      `BigQuery ${this.name}: ${what}${code}: ${err.message ?? String(caught)}`,
      parseRetryAfter(err.response?.headers?.['retry-after']),
      { cause: caught },
    );
  }

  /** Vector-style sink health check: the table's metadata is readable. */
  async health(): Promise<StoreHealth> {
    try {
      await this.table.getMetadata();
      return { ok: true };
    } catch (err) {
      return { ok: false, detail: `BigQuery ${this.name}: ${(err as Error).message}` };
    }
  }

  async close(): Promise<void> {
    // The client holds no sockets beyond the shared HTTP agent.
  }
}

/** Another worker may create the same dataset or table at the same moment. */
async function ignoreConflict(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if ((err as ApiErrorLike).code !== 409) throw err;
  }
}
