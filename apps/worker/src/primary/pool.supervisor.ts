import cluster, { Worker } from 'node:cluster';
import type { Logger } from '@app/observability';
import { Counter, Gauge, Registry } from 'prom-client';
import { ChildStatus, isStatusMessage } from '../worker-messages';

export interface SupervisorOptions {
  size: number;
  restartInitialMs?: number;
  restartMaxMs?: number;
  /** A report older than this means the child is stuck: not ready. */
  statusMaxAgeMs?: number;
  /** V8 old-space cap for each consumer process (see childExecArgv). */
  maxHeapMb?: number;
}

interface Slot {
  worker?: Worker;
  startedAt: number;
  crashes: number;
  restartTimer?: NodeJS.Timeout;
  status?: ChildStatus & { at: number };
}

/**
 * Keeps `size` consumer processes alive: restarts one that dies (backing off if it keeps
 * dying), collects their status reports, and on shutdown signals them and waits.
 */
export class PoolSupervisor {
  private readonly slots: Slot[] = [];
  private stopping = false;
  private readonly restarts: Counter;
  private readonly alive: Gauge;

  constructor(
    private readonly o: SupervisorOptions,
    private readonly logger: Logger,
    registry: Registry,
  ) {
    this.restarts = new Counter({
      name: 'usage_stats_worker_process_restarts_total',
      help: 'Consumer processes restarted after dying',
      registers: [registry],
    });
    this.alive = new Gauge({
      name: 'usage_stats_worker_processes',
      help: 'Consumer processes alive',
      registers: [registry],
      collect: () => this.alive.set(this.aliveCount()),
    });
    cluster.on('message', (worker, message) => {
      const slot = this.slots.find((s) => s.worker === worker);
      if (slot && isStatusMessage(message)) slot.status = { ...message.status, at: Date.now() };
    });
  }

  start(): void {
    cluster.setupPrimary({ execArgv: childExecArgv(process.execArgv, process.env.NODE_OPTIONS, this.o.maxHeapMb) });
    for (let i = 0; i < this.o.size; i++) {
      this.slots.push({ startedAt: 0, crashes: 0 });
      this.fork(this.slots[i]);
    }
  }

  aliveCount(): number {
    return this.slots.filter((s) => s.worker && !s.worker.isDead()).length;
  }

  /** Every configured process is up and has reported ready recently. */
  statuses(): { ready: boolean; processes: Array<ChildStatus & { ageMs: number }> } {
    const now = Date.now();
    const maxAge = this.o.statusMaxAgeMs ?? 10_000;
    const processes = this.slots
      .filter((s) => s.worker && !s.worker.isDead() && s.status && s.status.pid === s.worker.process.pid)
      .map((s) => ({ ...s.status!, ageMs: now - s.status!.at }));
    const ready =
      !this.stopping && processes.length === this.o.size && processes.every((p) => p.ready && p.ageMs <= maxAge);
    return { ready, processes };
  }

  private fork(slot: Slot): void {
    slot.restartTimer = undefined;
    slot.status = undefined;
    slot.startedAt = Date.now();
    const worker = cluster.fork();
    slot.worker = worker;
    worker.on('exit', (code, signal) => this.onExit(slot, worker, code, signal));
  }

  private onExit(slot: Slot, worker: Worker, code: number | null, signal: string | null): void {
    if (slot.worker !== worker || this.stopping) return;
    // A process that ran a while was healthy; only quick deaths count towards the backoff.
    slot.crashes = Date.now() - slot.startedAt > 60_000 ? 1 : slot.crashes + 1;
    const delay = Math.min(this.o.restartMaxMs ?? 30_000, (this.o.restartInitialMs ?? 500) * 2 ** (slot.crashes - 1));
    this.restarts.inc();
    this.logger.warn(
      { pid: worker.process.pid, code, signal, restartInMs: delay },
      'consumer process died; restarting',
    );
    slot.restartTimer = setTimeout(() => this.fork(slot), delay);
  }

  /** SIGTERM to every child (they abandon in-flight batches and leave the group); SIGKILL after the timeout. */
  async shutdown(timeoutMs: number): Promise<void> {
    this.stopping = true;
    const running = this.slots.flatMap((s) => {
      clearTimeout(s.restartTimer);
      return s.worker && !s.worker.isDead() ? [s.worker] : [];
    });
    const exits = running.map(
      (w) => new Promise<void>((resolve) => (w.isDead() ? resolve() : w.once('exit', () => resolve()))),
    );
    for (const w of running) w.process.kill('SIGTERM');
    const timer = setTimeout(() => {
      for (const w of running) if (!w.isDead()) w.process.kill('SIGKILL');
    }, timeoutMs);
    await Promise.all(exits);
    clearTimeout(timer);
  }
}

/**
 * The consumers' node flags: the primary's own, plus a cap on V8's old space unless the
 * operator set one. Without a cap V8 grows the heap lazily on a large machine, and a consumer
 * draining a backlog went past 256 MB RSS; capped at 224 MB it stayed near 193 MB, for ~10% less
 * drain throughput (BENCHMARKS.md).
 */
export function childExecArgv(
  execArgv: readonly string[],
  nodeOptions: string | undefined,
  maxHeapMb: number | undefined,
): string[] {
  const flag = /--max[-_]old[-_]space[-_]size/;
  if (!maxHeapMb || execArgv.some((a) => flag.test(a)) || flag.test(nodeOptions ?? '')) return [...execArgv];
  return [...execArgv, `--max-old-space-size=${maxHeapMb}`];
}
