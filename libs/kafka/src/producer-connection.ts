import type { Logger } from '@app/observability';
import { retryUntil } from './backoff';
import type { RecordSender } from './record-sender';

export type ProducerState = 'connecting' | 'ready' | 'down' | 'closed';

export interface ProducerConnectionOptions {
  /** Builds a fresh producer (KAFKA_PRODUCER_CLIENT decides which library's). */
  newSender: () => RecordSender;
  /** Bound on one connect attempt or one idle probe (ms). */
  attemptTimeoutMs: number;
  /** How often an idle, ready producer checks the broker is still there (ms). */
  probeIntervalMs: number;
  logger: Logger;
  /** Runs once, on the first successful connection, before the producer reports ready (e.g. topic provisioning). */
  onFirstConnect?: () => Promise<void>;
  onStateChange?: (state: ProducerState) => void;
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Owns the producer's life: connects in the background, reports whether it can produce, and
 * after any failure replaces the producer with a fresh one (a new producer id, so an
 * idempotent producer never stays wedged on sequence numbers the broker forgot). Neither
 * client reports disconnects of its own, so an idle producer probes the cluster.
 */
export class ProducerConnection {
  private producer?: RecordSender;
  private current: ProducerState = 'connecting';
  private loop?: Promise<void>;
  private probeTimer?: NodeJS.Timeout;
  private firstConnectDone = false;
  private lastSuccess = 0;

  constructor(private readonly options: ProducerConnectionOptions) {}

  get state(): ProducerState {
    return this.current;
  }

  /** The live producer, only while ready. */
  get ready(): RecordSender | undefined {
    return this.current === 'ready' ? this.producer : undefined;
  }

  start(): void {
    this.reconnect();
    this.probeTimer = setInterval(() => void this.probe(), this.options.probeIntervalMs);
    this.probeTimer.unref();
  }

  /** Any successful round trip proves the connection; idle probes are skipped meanwhile. */
  markSuccess(): void {
    this.lastSuccess = Date.now();
  }

  /** A send failed: drop this producer and connect a fresh one in the background. */
  markFailed(err: unknown): void {
    if (this.current !== 'ready') return;
    this.options.logger.warn({ err: errorSummary(err) }, 'kafka producer lost; reconnecting');
    this.setState('down');
    this.reconnect();
  }

  async close(): Promise<void> {
    this.setState('closed');
    clearInterval(this.probeTimer);
    await this.dispose();
  }

  private setState(state: ProducerState): void {
    if (this.current === state || this.current === 'closed') return;
    this.current = state;
    this.options.onStateChange?.(state);
  }

  private reconnect(): void {
    this.loop ??= this.connectUntilReady().finally(() => {
      this.loop = undefined;
    });
  }

  private async connectUntilReady(): Promise<void> {
    let logged = false;
    await retryUntil(() => this.connectOnce(), {
      initialMs: 200,
      maxMs: 2000,
      unref: true,
      stopped: () => this.current === 'closed' || this.current === 'ready',
      onError: (err) => {
        if (!logged) this.options.logger.warn({ err: errorSummary(err) }, 'kafka producer cannot connect; retrying');
        logged = true;
      },
    });
  }

  private async connectOnce(): Promise<void> {
    await this.dispose();
    const producer = this.options.newSender();
    this.producer = producer;
    await withTimeout(producer.connect(), this.options.attemptTimeoutMs, 'kafka producer connect');
    if (!this.firstConnectDone && this.options.onFirstConnect) await this.options.onFirstConnect();
    this.firstConnectDone = true;
    this.markSuccess();
    if ((this.current as ProducerState) === 'closed') return;
    this.options.logger.info('kafka producer connected');
    this.setState('ready');
  }

  /**
   * Swaps in a fresh producer (new producer id, sequence numbers from zero) without going
   * down, for after a partly written batch: a client may roll back the sequence numbers of a
   * partition the broker wrote (kafkajs does for every partition of a failed request), and
   * reusing them could make the broker take new records for duplicates of old ones and drop them.
   */
  async renew(): Promise<RecordSender | undefined> {
    if (this.current !== 'ready') return undefined;
    const fresh = this.options.newSender();
    try {
      await withTimeout(fresh.connect(), this.options.attemptTimeoutMs, 'kafka producer connect');
    } catch (err) {
      void withTimeout(fresh.disconnect(), 2000, 'kafka disconnect').catch(() => undefined);
      this.markFailed(err);
      return undefined;
    }
    const old = this.producer;
    this.producer = fresh;
    void (old && withTimeout(old.disconnect(), 2000, 'kafka disconnect').catch(() => undefined));
    return this.ready;
  }

  private async probe(): Promise<void> {
    if (this.current !== 'ready' || Date.now() - this.lastSuccess < this.options.probeIntervalMs) return;
    const producer = this.producer;
    if (!producer) return;
    try {
      await withTimeout(producer.probe(), this.options.attemptTimeoutMs, 'kafka probe');
      this.markSuccess();
    } catch (err) {
      if (producer === this.producer) this.markFailed(err);
    }
  }

  private async dispose(): Promise<void> {
    const { producer } = this;
    this.producer = undefined;
    // A dead broker can make disconnect hang; it must never block a reconnect or shutdown.
    if (producer) await withTimeout(producer.disconnect(), 2000, 'kafka disconnect').catch(() => undefined);
  }
}

/** Error fields worth logging, without stack noise or message payloads. */
export function errorSummary(err: unknown): { name?: string; message: string } {
  return err instanceof Error ? { name: err.name, message: err.message } : { message: String(err) };
}
