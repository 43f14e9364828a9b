import { count, duration } from '../output/format';

export interface ProgressState {
  label: string;
  total: number;
  /** Done before this run started (a resumed replay). */
  before: number;
  /** Done in this run. */
  done: number;
  startedAt: number;
}

/** "replay 12,345/50,000 (24.7%) 1,234 events/s ETA 30s" */
export function progressLine(s: ProgressState, now: number): string {
  const done = s.before + s.done;
  const pct = s.total > 0 ? ((100 * done) / s.total).toFixed(1) : '100.0';
  const seconds = (now - s.startedAt) / 1_000;
  const rate = seconds > 0 ? s.done / seconds : 0;
  const eta = rate > 0 ? duration((1_000 * Math.max(0, s.total - done)) / rate) : '?';
  return `${s.label} ${count(done)}/${count(s.total)} (${pct}%) ${count(rate)} events/s ETA ${eta}`;
}

/**
 * Progress on stderr: one line redrawn in place on a terminal, a plain line every few
 * seconds otherwise (a CI log or `kubectl logs` must not fill with carriage returns).
 */
export class ProgressReporter {
  private state?: ProgressState;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly plainEveryMs = 5_000,
  ) {}

  private get tty(): boolean {
    return this.out.isTTY === true;
  }

  start(label: string, total: number, before: number): void {
    this.state = { label, total, before, done: 0, startedAt: Date.now() };
    this.timer = setInterval(() => this.draw(), this.tty ? 250 : this.plainEveryMs);
    this.timer.unref();
    if (!this.tty) this.draw();
  }

  advance(n: number): void {
    if (this.state) this.state.done += n;
  }

  stop(): void {
    clearInterval(this.timer);
    if (!this.state) return;
    this.draw();
    if (this.tty) this.out.write('\n');
    this.state = undefined;
  }

  private draw(): void {
    if (!this.state) return;
    const line = progressLine(this.state, Date.now());
    this.out.write(this.tty ? `\r\x1b[K${line}` : `${new Date().toISOString()} progress ${line}\n`);
  }
}
