import type { Client } from 'pg';
import { sleep } from './processes';
import { Distribution, distribution } from './stats';

export interface AckToRowFigures {
  acked: number;
  seen: number;
  missing: number;
  /** Ack (client received 2xx) to the first poll that saw the row; late by at most pollMs. */
  latencyMs: Distribution;
  pollMs: number;
}

/**
 * Tracks when each acknowledged report becomes visible in the table. Rows are found by
 * instance_id (the usageStatsId, pseudonymized by the worker, so both forms are matched),
 * polling only rows received since the oldest request not yet seen (the received_at index).
 */
export class AckToRowTracker {
  /** Send times of requests not seen yet, in send order (so the first is the oldest). */
  private readonly unseenSent = new Map<string, number>();
  private readonly ackAt = new Map<string, number>();
  private readonly seenAt = new Map<string, number>();
  private readonly alias = new Map<string, string>();
  private stopped = false;
  private loop?: Promise<void>;

  constructor(
    private readonly client: Client,
    private readonly table: string,
    private readonly pollMs = 100,
  ) {}

  /** `keys`: the forms the id may take in the instance_id column (raw and pseudonym). */
  sent(id: string, keys: string[], at: number): void {
    this.unseenSent.set(id, at);
    for (const k of keys) this.alias.set(k, id);
  }

  acked(id: string, at: number): void {
    this.ackAt.set(id, at);
  }

  /** A refused request will never show up; it must not hold the scan's lower bound back. */
  refused(id: string): void {
    this.unseenSent.delete(id);
  }

  start(): void {
    this.loop = this.run();
  }

  /** Waits until every acknowledged row is seen or `timeoutMs` passes, then stops polling. */
  async finish(timeoutMs: number): Promise<AckToRowFigures> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && this.unseenAcked() > 0) await sleep(this.pollMs);
    this.stopped = true;
    await this.loop;
    const latencies = [...this.ackAt]
      .filter(([id]) => this.seenAt.has(id))
      .map(([id, ack]) => (this.seenAt.get(id) as number) - ack);
    return {
      acked: this.ackAt.size,
      seen: latencies.length,
      missing: this.unseenAcked(),
      latencyMs: distribution(latencies, 0),
      pollMs: this.pollMs,
    };
  }

  private unseenAcked(): number {
    let n = 0;
    for (const id of this.ackAt.keys()) if (!this.seenAt.has(id)) n++;
    return n;
  }

  /** Requests are never received before they were sent, so the oldest unseen send bounds the scan. */
  private lowerBound(): number {
    const oldest = this.unseenSent.values().next();
    return oldest.done ? Date.now() : oldest.value - 1000;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const pollAt = Date.now();
      const { rows } = await this.client.query<{ instance_id: string }>(
        `SELECT instance_id FROM ${this.table} WHERE received_at >= to_timestamp($1 / 1000.0)`,
        [this.lowerBound()],
      );
      for (const row of rows) {
        const id = this.alias.get(row.instance_id);
        if (id !== undefined && !this.seenAt.has(id)) {
          this.seenAt.set(id, pollAt);
          this.unseenSent.delete(id);
        }
      }
      await sleep(this.pollMs);
    }
  }
}
