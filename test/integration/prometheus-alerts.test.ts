import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

const ROOT = join(__dirname, '../..');
const DIR = join(ROOT, 'deploy/prometheus');

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: string };
}
interface TestCase {
  eval_time: string;
  alertname: string;
  exp_alerts: unknown[];
}

const rules = (
  parse(readFileSync(join(DIR, 'alerts.yml'), 'utf8')) as { groups: Array<{ rules: Rule[] }> }
).groups.flatMap((g) => g.rules);
const tests = (
  parse(readFileSync(join(DIR, 'alerts.test.yml'), 'utf8')) as { tests: Array<{ alert_rule_test: TestCase[] }> }
).tests;

/** `promtool test rules` on the shipped rules file, or on a changed copy of it. */
function promtoolTest(alerts = readFileSync(join(DIR, 'alerts.yml'), 'utf8')): { status: number | null; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'alerts-'));
  try {
    writeFileSync(join(dir, 'alerts.yml'), alerts);
    copyFileSync(join(DIR, 'alerts.test.yml'), join(dir, 'alerts.test.yml'));
    const r = spawnSync('promtool', ['test', 'rules', 'alerts.test.yml'], { cwd: dir, encoding: 'utf8' });
    return { status: r.status, out: r.stdout + r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('Prometheus alert rules (deploy/prometheus/alerts.yml)', () => {
  it('pass promtool check rules', () => {
    const out = execFileSync('promtool', ['check', 'rules', join(DIR, 'alerts.yml')], { encoding: 'utf8' });
    expect(out).toContain('SUCCESS: 12 rules found');
  });

  it('cover the API, ack latency, lag, stalled and paused partitions, dead letters, restarts and unaccounted events', () => {
    expect(rules.map((r) => r.alert).sort()).toEqual([
      'UsageStatsAckLatencyHigh',
      'UsageStatsApiErrorRate',
      'UsageStatsApiUnavailable',
      'UsageStatsConsumerLagGrowing',
      'UsageStatsConsumerLagHigh',
      'UsageStatsConsumerLagSeconds',
      'UsageStatsDeadLetters',
      'UsageStatsEventsUnaccounted',
      'UsageStatsPartitionPaused',
      'UsageStatsPartitionStalled',
      'UsageStatsProducerDown',
      'UsageStatsWorkerRestarts',
    ]);
    for (const r of rules) expect(['critical', 'warning']).toContain(r.labels.severity);
  });

  it('each have a unit test where they fire and one where they do not', () => {
    const cases = tests.flatMap((t) => t.alert_rule_test);
    for (const r of rules) {
      const mine = cases.filter((c) => c.alertname === r.alert);
      expect([r.alert, mine.some((c) => c.exp_alerts.length > 0)]).toEqual([r.alert, true]);
      expect([r.alert, mine.some((c) => c.exp_alerts.length === 0)]).toEqual([r.alert, true]);
    }
  });

  it('pass promtool test rules', () => {
    const r = promtoolTest();
    expect(r.out).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it('fail those unit tests when a threshold is wrong (the tests can fail)', () => {
    const broken = readFileSync(join(DIR, 'alerts.yml'), 'utf8').replace('> 100000', '> 1000000');
    const r = promtoolTest(broken);
    expect(r.status).not.toBe(0);
    expect(r.out).toContain('UsageStatsConsumerLagHigh');
  });

  it('fail the unaccounted-events tests without the lag term, the new-series term or the `for`', () => {
    const shipped = readFileSync(join(DIR, 'alerts.yml'), 'utf8');
    const lagTerm =
      '            - on (store)\n            sum by (store) (max by (store, topic, partition) (usage_stats_worker_consumer_lag))\n';
    // Plain increase(): a new series' first scraped value becomes its baseline and goes missing.
    const plainIncrease = shipped.replace(
      /\(increase\((usage_stats_ledger_events_total\{[^}]*\})\[1h\]\)\n[^\n]*\n[^\n]*\n[^\n]*\)/g,
      'increase($1[1h])',
    );
    const broken: Array<[string, string]> = [
      [shipped.replace(lagTerm, ''), 'events still in flight behind a stalled consumer are not unaccounted'],
      [plainIncrease, "a replaced worker pod's new series count whole"],
      [
        shipped.replace('          ) >= 1\n        for: 15m\n', '          ) >= 1\n'),
        'acknowledged events that no store stage accounts for',
      ],
    ];
    for (const [alerts, failing] of broken) {
      expect(alerts).not.toBe(shipped);
      const r = promtoolTest(alerts);
      expect(r.status).not.toBe(0);
      expect(r.out).toContain(failing);
    }
  });

  it('use only metrics the API and worker expose', () => {
    const exposed = new Set(
      [
        ...readFileSync(join(ROOT, 'apps/ingest-api/src/metrics/ingest.metrics.ts'), 'utf8').matchAll(
          /name: '([a-z_]+)'/g,
        ),
        ...readFileSync(join(ROOT, 'apps/worker/src/primary/pool.supervisor.ts'), 'utf8').matchAll(
          /name: '([a-z_]+)'/g,
        ),
        ...readFileSync(join(ROOT, 'libs/observability/src/ledger.metrics.ts'), 'utf8').matchAll(
          /LEDGER_METRIC = '([a-z_]+)'/g,
        ),
      ]
        .map((m) => m[1])
        .concat(
          [
            ...readFileSync(join(ROOT, 'libs/pipeline/src/pipeline.metrics.ts'), 'utf8').matchAll(
              /name: `\$\{prefix\}([a-z_]+)`/g,
            ),
          ].map((m) => `usage_stats_worker_${m[1]}`),
        ),
    );
    const used = new Set(
      rules.flatMap((r) => r.expr.match(/\b(ingest|usage_stats_worker|usage_stats_ledger)_[a-z_]+/g) ?? []),
    );
    expect([...used].map((n) => n.replace(/_bucket$/, '')).filter((n) => !exposed.has(n))).toEqual([]);
  });
});
