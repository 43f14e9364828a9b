/** Writes a fault-matrix run to bench/results/faults.json and the table in docs/reliability.md. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClientErrors } from './fault-load';
import type { Accounting } from './fault-rig';

const ROOT = join(__dirname, '../..');

export interface ScenarioResult extends Accounting {
  scenario: string;
  fault: string;
  events: number;
  requests: number;
  refused: number;
  clientErrors: ClientErrors;
  passed: boolean;
  details?: Record<string, unknown>;
}

export interface RunInfo {
  mode: 'quick' | 'full';
  outageSeconds: number;
  command: string;
}

function commit(): string {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  try {
    // The run's own outputs do not make the code it measured uncommitted.
    const changed = git('status', '--porcelain', '--', '.', ':!docs/reliability.md', ':!bench/results/faults.json');
    return `${git('rev-parse', '--short', 'HEAD')}${changed.length > 0 ? ' (with uncommitted changes)' : ''}`;
  } catch {
    return 'unknown';
  }
}

const errorsText = (e: ClientErrors) => {
  const parts = [...Object.entries(e.statuses).map(([s, n]) => `${n}× ${s}`), ...Object.entries(e.network).map(([c, n]) => `${n}× ${c}`)];
  if (e.unavailableWithoutRetryAfter > 0) parts.push(`${e.unavailableWithoutRetryAfter}× 503 without Retry-After`);
  return parts.length > 0 ? parts.join(', ') : 'none';
};

export function writeReport(run: RunInfo, results: ScenarioResult[], now = new Date()): void {
  const sha = commit();
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/faults.json'), `${JSON.stringify({ ...run, commit: sha, at: now.toISOString(), results }, null, 2)}\n`);
  const rows = results.map((r) => `| ${r.scenario} | ${r.fault} | ${r.acknowledged} | ${r.stored} | ${r.lost} | ${r.duplicated} | ${r.deadLettered} `
    + `| ${(r.catchUpMs / 1000).toFixed(1)} s | ${errorsText(r.clientErrors)} | ${r.passed ? 'pass' : '**FAIL**'} |`);
  const doc = `# Reliability: the fault matrix

Each scenario runs its own pipeline (topic, consumer group, database; the built API and a worker
pool of 2 consumer processes) on private throwaway Kafka, PostgreSQL and Redis instances
(\`test/support/services.ts\`), sends a known set of unique events through the API's batch route
(\`POST /api/v1/ingest\`, 100 items per request, 4 at a time, spread over the run) while the fault
happens, then waits until the consumers have caught up (the store's consumer group committed the
high watermark of every partition) and compares the acknowledged event ids (items of 2xx answers)
with the distinct event ids in PostgreSQL and the dead-letter topic. The client retries like a
careful one: after a 503 it waits for Retry-After (capped at 1 s), after a refused or reset
connection 250 ms; a resent item keeps its event id. A scenario fails on any lost event,
duplicated row, dead letter (the data is healthy), 503 without Retry-After, or refused item.

- **lost**: acknowledged, neither stored nor dead-lettered. **duplicated**: rows beyond those the
  stored events should have (1 per report and panel event, 2 samples per push).
- **catch-up**: from the end of the load and the fault until the consumers committed the end of the topic.
- **client errors**: answers other than 200 and connection errors the client saw (then retried).

Run: \`${run.command}\` (mode ${run.mode}; outages of ${run.outageSeconds} s${run.mode === 'quick' ? ', shortened from the issue\'s 60 s' : ''}),
commit ${sha}, ${now.toISOString()}. Raw numbers: \`bench/results/faults.json\`.

| scenario | fault | acknowledged | stored | lost | duplicated | dead-lettered | catch-up | client errors | result |
|---|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

Not in the matrix yet: the 3-broker KRaft cluster (replication 3, \`min.insync.replicas=2\`; a
broker killed and restarted, a broker cut off with \`ip netns\` so a leader moves). A control
scenario (not in the table) deletes a stored row and checks the accounting reports it as lost.

\`npm run test:faults\` runs the full matrix (\`-- --quick\`: fewer events and 10 s outages;
\`FAULTS_OUTAGE_S\` sets the outage length, \`FAULTS_EVENTS\` the events per scenario); it exits
non-zero when a scenario fails. Code: \`test/faults/\`. The ledger that accounts for the same
events in production is \`usage-stats ledger\` ([operations.md](operations.md)).
`;
  writeFileSync(join(ROOT, 'docs/reliability.md'), doc);
}
