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
  /** V8's heap growing factor for each consumer process, in percent (see childExecArgv). */
  heapGrowingPercent?: number;
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
    cluster.setupPrimary({ execArgv: childExecArgv(process.execArgv, process.env.NODE_OPTIONS, this.o) });
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
 * The consumers' node flags: the primary's own, plus V8 heap settings the operator did not set
 * (in its flags or NODE_OPTIONS):
 * - a cap on the old space. Without one V8 grows the heap lazily on a large machine, and a
 *   consumer draining a backlog went past 256 MB RSS; capped at 224 MB it stayed near 193 MB.
 * - a growing factor. Below its default maximum heap, V8 treats the process as a small device
 *   and lets the old space grow to 1.3x the live heap only: under load a consumer (~25 MB live)
 *   then ran a full collection every 1-2 s, each costing its marking and the recompilation of
 *   the per-batch callbacks whose optimized code it dropped. At 2x (the default), one report
 *   per request cost the worker 15-26% less CPU per event, for ~15 MB more RSS (BENCHMARKS.md);
 *   V8 still keeps the limit halfway to the cap.
 */
export function childExecArgv(
  execArgv: readonly string[],
  nodeOptions: string | undefined,
  heap: Pick<SupervisorOptions, 'maxHeapMb' | 'heapGrowingPercent'>,
): string[] {
  const args = [...execArgv];
  const unset = (flag: RegExp) => !execArgv.some((a) => flag.test(a)) && !flag.test(nodeOptions ?? '');
  if (heap.maxHeapMb && unset(/--max[-_]old[-_]space[-_]size/)) args.push(`--max-old-space-size=${heap.maxHeapMb}`);
  if (heap.heapGrowingPercent && unset(/--heap[-_]growing[-_]percent/)) {
    args.push(`--heap-growing-percent=${heap.heapGrowingPercent}`);
  }
  return args;
}
