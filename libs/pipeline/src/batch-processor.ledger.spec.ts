import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { readConfigFile } from '@app/config';
import { createLogger, ledgerSource } from '@app/observability';
import { loadRules } from '@app/rules';
import { BatchProcessor } from './batch-processor';
import { PipelineMetrics } from './pipeline.metrics';
import { MemoryIndex, MemorySink, MemoryStore, messageOf, panelMessage } from '../../../test/support/pipeline-fakes';

const logger = createLogger({ level: 'error', format: 'json', name: 'spec' });

async function ledgerValues(registry: Registry): Promise<Record<string, number>> {
  const metric = await registry.getSingleMetric('usage_stats_ledger_events_total')!.get();
  const out: Record<string, number> = {};
  for (const v of metric.values) {
    const l = v.labels;
    out[`${l.stage}|${l.route}|${l.key_id}|${l.kind}|${l.store}|${l.reason}`] = v.value;
  }
  return out;
}

describe('BatchProcessor: the delivery ledger', () => {
  it('counts written, deduplicated, dropped (by rule) and dead-lettered (by reason) per source, kind and store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ledger-'));
    writeFileSync(
      join(dir, 'r.yaml'),
      'rules:\n  analytics:\n    - name: odd\n      drop: { "user.id": { $mod: [2, 1] } }\n',
    );
    const rules = loadRules(readConfigFile(join(dir, 'r.yaml')), {});
    const registry = new Registry();
    const metrics = new PipelineMetrics(registry);
    const processor = new BatchProcessor({
      store: new MemoryStore(),
      deadLetters: new MemorySink(),
      dedupe: new MemoryIndex(),
      logger,
      rules,
      metrics,
    });
    // 2 and 4 written, 2 again deduplicated in the batch, 1 and 3 dropped by "odd", one undecodable.
    await processor.process([
      panelMessage(1),
      panelMessage(2),
      panelMessage(3),
      panelMessage(4),
      panelMessage(2),
      messageOf(Buffer.from('{x')),
    ]);

    expect(await ledgerValues(registry)).toEqual({
      'written|/write|none|analytics|postgres|': 2,
      'deduplicated|/write|none|analytics|postgres|batch': 1,
      'dropped|/write|none|analytics|postgres|rule:odd': 2,
      'dead_lettered|unknown|none|unknown|postgres|invalid_json': 1,
    });
  });

  it('bounds the labels of a source: route templates and key fingerprints only', () => {
    expect(ledgerSource({ route: '/metrics/job/:job', apiKeyId: '0123456789ab' })).toEqual({
      route: '/metrics/job/:job',
      key_id: '0123456789ab',
    });
    expect(ledgerSource({ route: 'x'.repeat(10), apiKeyId: 'secret key' })).toEqual({
      route: 'other',
      key_id: 'other',
    });
    expect(ledgerSource(undefined)).toEqual({ route: 'unknown', key_id: 'none' });
  });
});
