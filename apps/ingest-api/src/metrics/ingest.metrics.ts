import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { createMetricsRegistry, LedgerMetrics } from '@app/observability';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Every metric the ingest API exposes on METRICS_PORT, plus Node's defaults. */
export class IngestMetrics {
  readonly registry: Registry = createMetricsRegistry();

  readonly requests = new Counter({
    name: 'ingest_http_requests_total',
    help: 'HTTP requests by route, method and status code.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });

  readonly requestDuration = new Histogram({
    name: 'ingest_http_request_duration_seconds',
    help: 'Time from request start to response, by route, method and status code.',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly bytesIn = new Counter({
    name: 'ingest_http_request_bytes_total',
    help: 'Request body bytes received (as sent, before decompression), by route.',
    labelNames: ['route'] as const,
    registers: [this.registry],
  });

  readonly ackLatency = new Histogram({
    name: 'ingest_kafka_ack_latency_seconds',
    help: 'Time a request waited for Kafka to acknowledge its messages, by outcome.',
    labelNames: ['outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly produced = new Counter({
    name: 'ingest_kafka_produce_messages_total',
    help: 'Messages handed to Kafka by outcome (acked, failed).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly batchSize = new Histogram({
    name: 'ingest_kafka_batch_messages',
    help: 'Messages per Kafka sendBatch.',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000],
    registers: [this.registry],
  });

  readonly batchDuration = new Histogram({
    name: 'ingest_kafka_batch_duration_seconds',
    help: 'Duration of one Kafka sendBatch until acks=all.',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly producerUp = new Gauge({
    name: 'ingest_kafka_producer_up',
    help: '1 while the Kafka producer is connected and ready.',
    registers: [this.registry],
  });

  /** stage="acknowledged": the delivery ledger's first column (docs/operations.md). */
  readonly ledger = new LedgerMetrics(this.registry);

  readonly items = new Counter({
    name: 'ingest_items_total',
    help: 'Items received by kind and outcome (accepted, rejected, skipped, unavailable).',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });
}
