import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { LedgerMetrics } from '@app/observability';

/** The same metrics for every store (cf. Vector's component metrics), labelled by store. */
export class PipelineMetrics {
  readonly consumed: Counter<'store' | 'kind'>;
  readonly stored: Counter<'store' | 'kind'>;
  readonly written: Counter<'store'>;
  readonly deduplicated: Counter<'store' | 'kind' | 'layer'>;
  readonly dropped: Counter<'store' | 'kind' | 'reason'>;
  readonly deadLettered: Counter<'store' | 'stage' | 'reason'>;
  readonly dedupeUnavailable: Counter<'store'>;
  readonly retries: Counter<'store' | 'error'>;
  readonly batchSize: Histogram<'store'>;
  readonly writeSeconds: Histogram<'store'>;
  readonly lag: Gauge<'store' | 'topic' | 'partition'>;
  /** The delivery ledger's worker stages, by source (one name with the API's, whatever the prefix). */
  readonly ledger: LedgerMetrics;
  readonly waiting: Gauge<'store' | 'partition' | 'reason'>;

  constructor(registry: Registry, prefix = 'usage_stats_worker_') {
    const registers = [registry];
    this.ledger = new LedgerMetrics(registry);
    this.consumed = new Counter({
      name: `${prefix}events_consumed_total`,
      help: 'Messages taken from the events topic',
      labelNames: ['store', 'kind'],
      registers,
    });
    this.stored = new Counter({
      name: `${prefix}events_stored_total`,
      help: 'Events the store confirmed (new or already there)',
      labelNames: ['store', 'kind'],
      registers,
    });
    this.written = new Counter({
      name: `${prefix}events_written_total`,
      help: 'Events newly written by the store',
      labelNames: ['store'],
      registers,
    });
    this.deduplicated = new Counter({
      name: `${prefix}events_deduplicated_total`,
      help: "Duplicates dropped: within a batch, by the Redis window, or by the store's unique id",
      labelNames: ['store', 'kind', 'layer'],
      registers,
    });
    this.dropped = new Counter({
      name: `${prefix}events_dropped_total`,
      help: 'Events dropped on purpose (rules)',
      labelNames: ['store', 'kind', 'reason'],
      registers,
    });
    this.deadLettered = new Counter({
      name: `${prefix}events_dead_lettered_total`,
      help: 'Messages sent to the dead-letter topic',
      labelNames: ['store', 'stage', 'reason'],
      registers,
    });
    this.dedupeUnavailable = new Counter({
      name: `${prefix}dedupe_unavailable_batches_total`,
      help: 'Batches processed without the Redis dedupe check',
      labelNames: ['store'],
      registers,
    });
    this.retries = new Counter({
      name: `${prefix}batch_retries_total`,
      help: 'Batch attempts that failed and will be retried',
      labelNames: ['store', 'error'],
      registers,
    });
    this.batchSize = new Histogram({
      name: `${prefix}batch_size`,
      help: 'Messages per batch',
      labelNames: ['store'],
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000],
      registers,
    });
    this.writeSeconds = new Histogram({
      name: `${prefix}store_write_seconds`,
      help: 'Store write latency per batch',
      labelNames: ['store'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    // Max, not sum, across processes: after a rebalance an old owner may still report a stale value.
    this.waiting = new Gauge({
      name: `${prefix}partition_waiting`,
      help: '1 while a partition waits on a failed batch; reason: store_unavailable, suspicious_batch (held), other',
      labelNames: ['store', 'partition', 'reason'],
      aggregator: 'max',
      registers,
    });
    this.lag = new Gauge({
      name: `${prefix}consumer_lag`,
      help: 'Messages behind the partition end after the last batch',
      labelNames: ['store', 'topic', 'partition'],
      aggregator: 'max',
      registers,
    });
  }
}
