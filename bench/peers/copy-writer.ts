import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { Client } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { round } from '../support/stats';

export interface CopyFigures {
  rows: number;
  bytes: number;
  seconds: number;
  rowsPerSec: number;
}

/**
 * The raw ceiling beside the pipeline: the rows the pipeline stored since `sinceMs`, exported
 * as COPY text (not timed), then written back by one plain `COPY ... FROM STDIN` from this
 * Node process into a table of the same shape (same indexes and primary key).
 */
export async function copyCeiling(client: Client, table: string, sinceMs: number): Promise<CopyFigures> {
  const chunks: Buffer[] = [];
  const since = `to_timestamp(${Math.floor(sinceMs)} / 1000.0)`;
  await pipeline(
    client.query(copyTo(`COPY (SELECT * FROM ${table} WHERE received_at >= ${since}) TO STDOUT`)),
    new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk);
        done();
      },
    }),
  );
  const bytes = chunks.reduce((n, c) => n + c.length, 0);
  const rows = chunks.reduce((n, c) => n + countNewlines(c), 0);
  const target = `${table}_copy_ceiling`;
  await client.query(`CREATE TABLE ${target} (LIKE ${table} INCLUDING ALL)`);
  try {
    const started = performance.now();
    await pipeline(Readable.from(chunks), client.query(copyFrom(`COPY ${target} FROM STDIN`)));
    const seconds = (performance.now() - started) / 1000;
    return { rows, bytes, seconds: round(seconds, 3), rowsPerSec: Math.round(rows / seconds) };
  } finally {
    await client.query(`DROP TABLE ${target}`);
  }
}

function countNewlines(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
  return n;
}
