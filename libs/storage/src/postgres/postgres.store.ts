import { Pool, PoolClient } from 'pg';
import type { PostgresConfig } from '@app/config';
import { EVENT_KINDS, EventKind } from '@app/contracts';
import type { Logger } from '@app/observability';
import { copyIntoStaging, copyIntoTable, createStagingSql, mergeSql } from './postgres-copy';
import { describePgError, isDataError, isUniqueViolation } from './postgres-errors';
import { migrate } from './postgres-migrations';
import { applyPushGroups } from './postgres-push-groups';
import { Row, TABLES, rowsOf } from './postgres-rows';
import { sslOptions } from './postgres-ssl';
import {
  eventIdOf,
  ProcessedEvent,
  RetriableStoreError,
  Store,
  StoreHealth,
  WriteOptions,
  WriteResult,
} from '../store';

const EMPTY: WriteResult = { written: 0, duplicates: 0, rejected: [] };

export function createPostgresPool(config: PostgresConfig, applicationName = 'usage-stats'): Pool {
  return new Pool({
    host: config.host,
    port: config.port,
    database: config.database,
    user: config.user,
    password: config.password,
    ssl: sslOptions(config),
    max: config.maxConnections,
    connectionTimeoutMillis: config.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    application_name: applicationName,
    statement_timeout: 120_000,
  });
}

/**
 * PostgreSQL sink. A batch is one transaction. Live inserts COPY straight into the tables; a
 * batch holding a key already stored falls back to COPY into per-connection staging tables,
 * then one INSERT ... SELECT ... ON CONFLICT per table (see writeAll). Rows whose data
 * PostgreSQL refuses are isolated by halving the batch and returned as rejected; any other
 * failure is an outage (RetriableStoreError).
 */
export class PostgresStore implements Store {
  readonly type = 'postgres' as const;
  private readonly pool: Pool;
  private readonly staged = new WeakSet<PoolClient>();
  private merged = 0;

  constructor(
    private readonly config: PostgresConfig,
    private readonly logger: Logger,
    applicationName?: string,
  ) {
    this.pool = createPostgresPool(config, applicationName);
    // An idle connection dropped by the server must not crash the process; the next query reconnects.
    this.pool.on('error', (err) => this.logger.warn({ err: describePgError(err) }, 'postgres idle connection lost'));
  }

  async connect(): Promise<void> {
    try {
      if (!this.config.migrateOnStart) {
        await this.pool.query('SELECT 1');
        return;
      }
      const applied = await migrate(this.pool);
      if (applied.length > 0) this.logger.info({ applied }, 'postgres migrations applied');
    } catch (err) {
      throw new RetriableStoreError(`postgres unavailable: ${describePgError(err)}`, undefined, { cause: err });
    }
  }

  async writeBatch(events: ProcessedEvent[], options: WriteOptions = { mode: 'insert' }): Promise<WriteResult> {
    if (events.length === 0) return EMPTY;
    try {
      return await this.writeAll(events, options.mode);
    } catch (err) {
      if (isDataError(err)) return this.isolate(events, options.mode, err);
      throw new RetriableStoreError(`postgres write failed: ${describePgError(err)}`, undefined, { cause: err });
    }
  }

  async health(): Promise<StoreHealth> {
    try {
      await this.pool.query('SELECT 1');
      return { ok: true };
    } catch (err) {
      return { ok: false, detail: describePgError(err) };
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  async storedIds(ids: string[]): Promise<Set<string>> {
    const out = new Set<string>();
    // Every table carries event_id (metric_samples is keyed per sample, many rows per event).
    const tables = Object.values(TABLES).map(
      (t) => `SELECT event_id AS id FROM ${t.table} WHERE event_id = ANY($1::text[])`,
    );
    // A push without samples (a DELETE) leaves no sample row: its group's last event id stands for it.
    tables.push('SELECT last_event_id AS id FROM push_groups WHERE last_event_id = ANY($1::text[])');
    for (let i = 0; i < ids.length; i += 10_000) {
      const { rows } = await this.pool.query<{ id: string }>(tables.join(' UNION '), [ids.slice(i, i + 10_000)]);
      for (const r of rows) out.add(r.id);
    }
    return out;
  }

  /**
   * `events` failed together with `cause`, a data error: halves them until the refused events
   * are alone (each level one transaction per half: k refused of n cost about 2·k·log2(n)
   * writes); the rest is written. An event that fails alone is refused with PostgreSQL's words.
   */
  private async isolate(events: ProcessedEvent[], mode: WriteOptions['mode'], cause: unknown): Promise<WriteResult> {
    if (events.length === 1) {
      const reason = `refused by postgres: ${(cause as Error).message}`;
      return { written: 0, duplicates: 0, rejected: [{ eventId: events[0].id, reason }] };
    }
    const mid = Math.ceil(events.length / 2);
    const results: WriteResult[] = [];
    for (const half of [events.slice(0, mid), events.slice(mid)]) {
      results.push(
        await this.writeAll(half, mode).catch((err: unknown) => {
          if (isDataError(err)) return this.isolate(half, mode, err);
          throw new RetriableStoreError(`postgres write failed: ${describePgError(err)}`, undefined, { cause: err });
        }),
      );
    }
    return results.reduce((a, b) => ({
      written: a.written + b.written,
      duplicates: a.duplicates + b.duplicates,
      rejected: [...a.rejected, ...b.rejected],
    }));
  }

  /** Insert batches that held a stored (or repeated) key and were written again by the merge path. */
  get mergeFallbacks(): number {
    return this.merged;
  }

  /**
   * Live inserts try the plain COPY first: into the tables themselves, which costs PostgreSQL
   * about two thirds of staging, sorting and merging the same rows. Redis's dedupe has dropped
   * almost every re-delivery before this point; one that got through (its dedupe mark expired,
   * or a crash between commit and mark), or an event twice in the batch, fails that COPY with a
   * unique violation, and the batch is written again by the merge path, which keeps what is
   * stored. Both paths take rows in key order, so two batches sharing keys wait for each other
   * rather than deadlock. Replace mode always merges.
   */
  private async writeAll(events: ProcessedEvent[], mode: WriteOptions['mode']): Promise<WriteResult> {
    if (mode === 'insert') {
      try {
        return await this.transact(events, (client, kind, ofKind) => this.copyKind(client, kind, ofKind), true);
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        this.merged++;
        this.logger.debug({ events: events.length }, 'postgres batch holds a stored or repeated key; merging it');
      }
    }
    return this.transact(events, (client, kind, ofKind) => this.mergeKind(client, kind, ofKind, mode));
  }

  /**
   * `oneStatementPerKind`: writeKind is a single statement (the plain COPY). A batch of one kind
   * other than pushes (whose group state is written beside their samples) is then that one
   * statement, which PostgreSQL runs atomically on its own: no BEGIN and COMMIT, two round trips
   * fewer per batch. A failed lone statement leaves no transaction to roll back.
   */
  private async transact(
    events: ProcessedEvent[],
    writeKind: (client: PoolClient, kind: EventKind, events: ProcessedEvent[]) => Promise<Iterable<string>>,
    oneStatementPerKind = false,
  ): Promise<WriteResult> {
    const client = await this.pool.connect();
    const bare = oneStatementPerKind && oneKindButPushes(events);
    let broken = false;
    try {
      await this.ensureStaging(client);
      if (!bare) await client.query('BEGIN');
      const stored = new Set<string>();
      for (const kind of EVENT_KINDS) {
        const ofKind = eventsOfKind(events, kind);
        if (ofKind.length > 0) for (const id of await writeKind(client, kind, ofKind)) stored.add(id);
      }
      await applyPushGroups(client, events);
      if (!bare) await client.query('COMMIT');
      // An event that maps to no row (a push without samples) has nothing left to write.
      let written = 0;
      for (const e of events) if (stored.has(e.id) || rowsOf(e).length === 0) written++;
      return { written, duplicates: events.length - written, rejected: [] };
    } catch (err) {
      // A statement's error leaves the connection usable once rolled back; anything else may not.
      broken = !isDataError(err) && !isUniqueViolation(err);
      if (!bare) await client.query('ROLLBACK').catch(() => (broken = true));
      throw err;
    } finally {
      client.release(broken);
    }
  }

  /**
   * Staging tables live as long as the connection. They are created outside the write
   * transaction: created inside it, a rolled-back batch would take them along while the
   * connection, back in the pool, still counted as staged.
   */
  private async ensureStaging(client: PoolClient): Promise<void> {
    if (this.staged.has(client)) return;
    for (const spec of Object.values(TABLES)) await client.query(createStagingSql(spec));
    this.staged.add(client);
  }

  /** COPY into the table itself: every event gets its rows, or the COPY fails. */
  private async copyKind(client: PoolClient, kind: EventKind, events: ProcessedEvent[]): Promise<string[]> {
    const rows: Row[] = events.flatMap(rowsOf);
    if (rows.length > 0) await copyIntoTable(client, TABLES[kind], rows);
    return events.map(eventIdOf);
  }

  /** Returns the ids of the events that got (or, in replace mode, replaced) rows. */
  private async mergeKind(
    client: PoolClient,
    kind: EventKind,
    events: ProcessedEvent[],
    mode: WriteOptions['mode'],
  ): Promise<string[]> {
    const spec = TABLES[kind];
    const rows: Row[] = events.flatMap(rowsOf);
    if (rows.length === 0) return [];
    await copyIntoStaging(client, spec, rows);
    // A replayed push may map to other series than before: its old samples go.
    if (mode === 'replace' && kind === 'metrics') {
      await client.query('DELETE FROM metric_samples WHERE event_id = ANY($1::text[])', [events.map((e) => e.id)]);
    }
    const result = await client.query<{ event_id: string }>(mergeSql(spec, mode));
    return result.rows.map((r) => r.event_id);
  }
}

// Per-event loops, not closures made per batch (docs/operations.md, "Closures on the hot path").
/** True when every event is of one kind, and that kind is not pushes (see transact). */
function oneKindButPushes(events: ProcessedEvent[]): boolean {
  for (const e of events) if (e.kind !== events[0].kind || e.kind === 'metrics') return false;
  return true;
}

function eventsOfKind(events: ProcessedEvent[], kind: EventKind): ProcessedEvent[] {
  const out: ProcessedEvent[] = [];
  for (const e of events) if (e.kind === kind) out.push(e);
  return out;
}
