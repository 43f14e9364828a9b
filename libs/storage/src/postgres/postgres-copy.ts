import { finished } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { ColumnType, Row, TableSpec } from './postgres-rows';

// PostgreSQL text and jsonb cannot hold NUL; it carries no meaning in telemetry.
const stripNul = (s: string) => (s.includes('\u0000') ? s.split('\u0000').join('') : s);
const jsonReplacer = (_k: string, v: unknown) => (typeof v === 'string' ? stripNul(v) : v);

/**
 * JSON text without NUL. A replacer makes JSON.stringify call back for every value (a third of
 * the worker's COPY cost on a usage report's metrics), so it runs only when the fast output
 * shows an escaped NUL, which JSON spells \u0000 whatever string held it.
 */
function toJson(v: unknown): string | undefined {
  const s = JSON.stringify(v) as string | undefined;
  return s !== undefined && s.includes('\\u0000') ? JSON.stringify(v, jsonReplacer) : s;
}

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const PG_EPOCH_MS = Date.UTC(2000, 0, 1);
const JSONB_VERSION = 1;
const CHUNK_BYTES = 256 * 1024;

/**
 * Rows in PostgreSQL's binary COPY format (https://www.postgresql.org/docs/current/sql-copy.html):
 * a header, then per row a field count and each field as a length and its bytes (-1: NULL), then
 * a trailer. The server skips the text format's per-byte unescaping and the parsing of dates,
 * booleans and numbers, and the writer skips escaping. Written into chunks that are streamed as
 * they are (a field never straddles two). A value of the wrong type for its column becomes NULL,
 * as the rows' readers do, so encoding never throws: a bad row fails in PostgreSQL, with a
 * data error that isolates it, and never as a retried batch.
 */
class BinaryCopy {
  readonly chunks: Buffer[] = [];
  private buf = Buffer.allocUnsafe(CHUNK_BYTES);
  private at = 0;

  constructor() {
    SIGNATURE.copy(this.buf, 0);
    this.buf.writeInt32BE(0, 11); // flags: no OIDs
    this.buf.writeInt32BE(0, 15); // header extension: none
    this.at = 19;
  }

  row(row: Row, types: readonly ColumnType[]): void {
    this.room(2);
    this.at = this.buf.writeInt16BE(types.length, this.at);
    for (let i = 0; i < types.length; i++) this.field(row[i], types[i]);
  }

  /** The trailer, and every chunk written. */
  end(): Buffer[] {
    this.room(2);
    this.at = this.buf.writeInt16BE(-1, this.at);
    this.chunks.push(this.buf.subarray(0, this.at));
    return this.chunks;
  }

  private field(v: unknown, type: ColumnType): void {
    if (v === null || v === undefined) return this.null();
    switch (type) {
      case 'text':
        return this.text(stripNul(typeof v === 'string' ? v : String(v)));
      case 'jsonb': {
        const json = toJson(v);
        return json === undefined ? this.null() : this.text(json, true);
      }
      case 'bool':
        if (typeof v !== 'boolean') return this.null();
        this.room(5);
        this.at = this.buf.writeInt32BE(1, this.at);
        this.buf[this.at++] = v ? 1 : 0;
        return;
      case 'float8':
        if (typeof v !== 'number') return this.null();
        this.room(12);
        this.at = this.buf.writeInt32BE(8, this.at);
        this.at = this.buf.writeDoubleBE(v, this.at);
        return;
      case 'timestamptz': {
        // Microseconds since 2000-01-01 UTC; a date out of PostgreSQL's range is refused there.
        const ms = v instanceof Date ? v.getTime() : NaN;
        if (!Number.isFinite(ms)) return this.null();
        this.room(12);
        this.at = this.buf.writeInt32BE(8, this.at);
        this.at = this.buf.writeBigInt64BE(BigInt(ms - PG_EPOCH_MS) * 1000n, this.at);
        return;
      }
    }
  }

  private null(): void {
    this.room(4);
    this.at = this.buf.writeInt32BE(-1, this.at);
  }

  /** UTF-8 text, after jsonb's version byte for jsonb; its length is written once its bytes are. */
  private text(s: string, jsonb = false): void {
    const head = jsonb ? 5 : 4;
    this.room(head + s.length * 3);
    const start = this.at;
    if (jsonb) this.buf[start + 4] = JSONB_VERSION;
    const bytes = this.buf.write(s, start + head, 'utf8');
    this.buf.writeInt32BE(bytes + head - 4, start);
    this.at = start + head + bytes;
  }

  private room(bytes: number): void {
    if (this.at + bytes <= this.buf.length) return;
    this.chunks.push(this.buf.subarray(0, this.at));
    this.buf = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, bytes));
    this.at = 0;
  }
}

/** `rows` (each holding a value per column of `types`) as binary COPY data, in chunks. */
export function copyBinary(rows: readonly Row[], types: readonly ColumnType[]): Buffer[] {
  const out = new BinaryCopy();
  for (const row of rows) out.row(row, types);
  return out.end();
}

export const stagingTable = (spec: TableSpec) => `_stage_${spec.table}`;

/** A per-connection temp table shaped like the target, emptied at each commit. */
export function createStagingSql(spec: TableSpec): string {
  return `CREATE TEMP TABLE IF NOT EXISTS ${stagingTable(spec)} (LIKE ${spec.table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`;
}

/** Streams rows into `table` with COPY (in the caller's transaction, or alone when it is the batch's one statement). */
async function copyInto(client: PoolClient, table: string, spec: TableSpec, rows: readonly Row[]): Promise<void> {
  const sql = `COPY ${table} (${spec.columns.join(', ')}) FROM STDIN (FORMAT binary)`;
  const chunks = copyBinary(rows, spec.types);
  const copy = client.query(copyFrom(sql));
  // Every chunk is in memory already, so it is handed over at once: no source stream and no
  // stream.pipeline, whose AbortController and DOMException cost more than a small batch's COPY.
  for (const chunk of chunks) copy.write(chunk);
  copy.end();
  await finished(copy);
}

/** Streams rows into the staging table, to be merged with mergeSql. */
export function copyIntoStaging(client: PoolClient, spec: TableSpec, rows: readonly Row[]): Promise<void> {
  return copyInto(client, stagingTable(spec), spec, rows);
}

/**
 * Streams rows straight into the target table, in key order (see PostgresStore.writeAll): a
 * key already stored, or twice among the rows, fails the COPY with a unique violation.
 */
export function copyIntoTable(client: PoolClient, spec: TableSpec, rows: readonly Row[]): Promise<void> {
  const sorted = [...rows].sort(byKey);
  return copyInto(client, spec.table, spec, sorted);
}

// The key is the first column, a hex digest: any one total order serves, as long as every writer uses it.
const byKey = (a: Row, b: Row): number => {
  const x = a[0] as string;
  const y = b[0] as string;
  return x < y ? -1 : x > y ? 1 : 0;
};

/**
 * Moves staged rows into the table. insert: a key already stored stays as it is (a
 * re-delivery). replace: the stored row is overwritten. Rows are taken in key order so
 * concurrent batches lock keys in the same order and cannot deadlock.
 */
export function mergeSql(spec: TableSpec, mode: 'insert' | 'replace'): string {
  const cols = spec.columns.join(', ');
  const select = `SELECT DISTINCT ON (${spec.key}) ${cols} FROM ${stagingTable(spec)} ORDER BY ${spec.key}`;
  const conflict =
    mode === 'insert'
      ? 'DO NOTHING'
      : `DO UPDATE SET ${spec.columns
          .filter((c) => c !== spec.key)
          .map((c) => `${c} = EXCLUDED.${c}`)
          .join(', ')}, stored_at = now()`;
  return `INSERT INTO ${spec.table} (${cols}) ${select} ON CONFLICT (${spec.key}) ${conflict} RETURNING event_id`;
}
