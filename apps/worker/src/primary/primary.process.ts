import type { Server } from 'node:http';
import { AggregatorRegistry, Registry } from 'prom-client';
import { Config, ConfigError } from '@app/config';
import { createKafka, prepareTopics } from '@app/kafka';
import { Logger, startMetricsServer, startProbeServer } from '@app/observability';
import { loadPipelineSettings } from '@app/pipeline';
import { PoolSupervisor } from './pool.supervisor';

/** Fails fast on CONFIG_FILE problems (children would only crash-loop on them). */
function validateOrExit(config: Config): void {
  try {
    loadPipelineSettings(config);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
}

async function provisionTopics(config: Config, logger: Logger): Promise<void> {
  if (!config.kafka.provisionTopics) return;
  try {
    await prepareTopics(createKafka(config.kafka, logger, '-worker-admin'), config.kafka, logger);
  } catch (err) {
    // The consumers retry on their own; an unreachable broker at start is not fatal.
    logger.warn({ err: (err as Error).message }, 'could not provision topics');
  }
}

/**
 * The primary process: forks WORKERS consumer processes and supervises them, serves /health
 * and /ready (from the children's reports) and /metrics aggregated over all children.
 */
export async function runPrimary(config: Config, logger: Logger): Promise<void> {
  validateOrExit(config);
  await provisionTopics(config, logger);
  const registry = new Registry();
  const aggregator = new AggregatorRegistry();
  const supervisor = new PoolSupervisor(
    {
      size: config.worker.workers,
      maxHeapMb: config.worker.maxHeapMb,
      heapGrowingPercent: config.worker.heapGrowingPercent,
    },
    logger,
    registry,
  );
  supervisor.start();

  const servers: Server[] = [];
  servers.push(
    await startProbeServer(config.app.healthCheckPort, {
      '/health': () => ({ ok: true, body: { status: 'ok', processes: supervisor.aliveCount() } }),
      '/ready': () => {
        const s = supervisor.statuses();
        return {
          ok: s.ready,
          body: { status: s.ready ? 'ready' : 'not ready', expected: config.worker.workers, processes: s.processes },
        };
      },
    }),
  );
  servers.push(
    await startMetricsServer(config.app.metricsPort, async () => ({
      contentType: aggregator.contentType,
      body: `${await aggregator.clusterMetrics()}\n${await registry.metrics()}`,
    })),
  );
  logger.info(
    {
      workers: config.worker.workers,
      stores: config.worker.storageTypes,
      healthPort: config.app.healthCheckPort,
      metricsPort: config.app.metricsPort,
    },
    'worker pool started',
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'worker pool stopping');
    void supervisor.shutdown(config.worker.shutdownTimeoutMs + 5_000).then(() => {
      for (const s of servers) s.close();
      logger.info('worker pool stopped');
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
