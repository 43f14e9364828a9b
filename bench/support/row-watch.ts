import type { Client } from 'pg';
import { sleep } from './processes';

export interface RowProgress {
  /** Wall-clock ms of the first poll that saw more rows than `baseline` (null: none came). */
  firstRowAt: number | null;
  rowsAtFirst: number;
  /** Wall-clock ms of the poll that saw `expected` rows (null: timed out). */
  doneAt: number | null;
  rows: number;
  /** Every poll: [wall-clock ms, rows]. */
  samples: Array<[number, number]>;
}

/** Rows in `table`; 0 while it does not exist yet (the worker creates it when it starts). */
export async function countRows(client: Client, table: string): Promise<number> {
  try {
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
    return Number(rows[0].n);
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') return 0;
    throw err;
  }
}

/**
 * Polls `SELECT count(*)` until the table holds `expected` rows. A poll's time is taken when
 * it was sent: every row it counts was committed before then, so times are late by at most
 * one interval, never early.
 */
export interface WatchHooks {
  /** Stop early when this turns false (the writer died). */
  alive?: () => boolean;
  /** Called at the first poll that saw more rows than the baseline. */
  onFirst?: () => void;
}

export async function watchRows(
  client: Client,
  table: string,
  expected: number,
  timeoutMs: number,
  intervalMs = 250,
  baseline = 0,
  hooks: WatchHooks = {},
): Promise<RowProgress> {
  const alive = hooks.alive ?? (() => true);
  const deadline = Date.now() + timeoutMs;
  const progress: RowProgress = { firstRowAt: null, rowsAtFirst: 0, doneAt: null, rows: baseline, samples: [] };
  while (Date.now() < deadline && alive()) {
    const at = Date.now();
    progress.rows = await countRows(client, table);
    progress.samples.push([at, progress.rows]);
    if (progress.firstRowAt === null && progress.rows > baseline) {
      progress.firstRowAt = at;
      progress.rowsAtFirst = progress.rows;
      hooks.onFirst?.();
    }
    if (progress.rows >= expected) {
      progress.doneAt = at;
      return progress;
    }
    await sleep(intervalMs);
  }
  return progress;
}
