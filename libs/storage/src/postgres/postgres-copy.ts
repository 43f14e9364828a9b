import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Row, TableSpec } from './postgres-rows';

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const NEEDS_ESCAPE = /[\\\n\r\t]/;
// PostgreSQL text and jsonb cannot hold NUL; it carries no meaning in telemetry.
const stripNul = (s: string) => (s.includes('\u0000') ? s.split('\u0000').join('') : s);
const jsonReplacer = (_k: string, v: unknown) => (typeof v === 'string' ? stripNul(v) : v);

/** One value in COPY text format. */
export function copyField(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  let s: string;
  if (typeof v === 'string') s = stripNul(v);
  else if (typeof v === 'number')
    s = Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : String(v);
  else if (typeof v === 'boolean') s = v ? 't' : 'f';
  else if (v instanceof Date) s = v.toISOString();
  else {
    // JSON text holds no raw newline, carriage return or tab (JSON.stringify escapes them), so
    // only its backslashes need COPY's escape: a scan for one is ~50x cheaper than the class.
    const json = toJson(v);
    return json.includes('\\') ? json.replaceAll('\\', '\\\\') : json;
  }
  return NEEDS_ESCAPE.test(s) ? s.replace(/[\\\n\r\t]/g, (c) => ESCAPES[c]) : s;
}

/**
 * JSON text without NUL. A replacer makes JSON.stringify call back for every value (a third of
 * the worker's COPY cost on a usage report's metrics), so it runs only when the fast output
 * shows an escaped NUL, which JSON spells \u0000 whatever string held it.
 */
function toJson(v: unknown): string {
  const s = JSON.stringify(v);
  return s.includes('\\u0000') ? JSON.stringify(v, jsonReplacer) : s;
}

export function copyText(rows: readonly Row[]): string {
  let out = '';
  for (const row of rows) out += row.map(copyField).join('\t') + '\n';
  return out;
}

export const stagingTable = (spec: TableSpec) => `_stage_${spec.table}`;

/** A per-connection temp table shaped like the target, emptied at each commit. */
export function createStagingSql(spec: TableSpec): string {
  return `CREATE TEMP TABLE IF NOT EXISTS ${stagingTable(spec)} (LIKE ${spec.table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`;
}

/** Streams rows into `table` with COPY (inside the caller's transaction). */
async function copyInto(client: PoolClient, table: string, spec: TableSpec, rows: readonly Row[]): Promise<void> {
  const sql = `COPY ${table} (${spec.columns.join(', ')}) FROM STDIN`;
  await pipeline(Readable.from([copyText(rows)]), client.query(copyFrom(sql)));
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
