/** Writes a fault-matrix run to bench/results/faults.json and the table in docs/reliability.md. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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
  /** Only some scenarios were chosen (jest -t): the run never rewrites the committed table. */
  partial?: boolean;
  outageSeconds: number;
  /** The cluster scenarios' outage (full run only). */
  clusterOutageSeconds?: number;
  command: string;
  /** The machine and its load during the run (it is shared). */
  machine?: string;
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
  const parts = [
    ...Object.entries(e.statuses).map(([s, n]) => `${n}× ${s}`),
    ...Object.entries(e.network).map(([c, n]) => `${n}× ${c}`),
  ];
  if (e.unavailableWithoutRetryAfter > 0) parts.push(`${e.unavailableWithoutRetryAfter}× 503 without Retry-After`);
  return parts.length > 0 ? parts.join(', ') : 'none';
};

/**
 * A full run of every scenario writes the committed results; a quick one (inside \`npm test\`)
 * writes .local/faults-quick/ and a run of chosen scenarios .local/faults-partial/, so neither
 * rewrites the full run's table.
 */
function outputs(run: RunInfo): { json: string; doc: string } {
  if (run.mode === 'full' && !run.partial) {
    return { json: join(ROOT, 'bench/results/faults.json'), doc: join(ROOT, 'docs/reliability.md') };
  }
  const dir = join(ROOT, run.mode === 'quick' ? '.local/faults-quick' : '.local/faults-partial');
  return { json: join(dir, 'faults.json'), doc: join(dir, 'reliability.md') };
}

export function writeReport(run: RunInfo, results: ScenarioResult[], now = new Date()): void {
  const sha = commit();
  const out = outputs(run);
  mkdirSync(dirname(out.json), { recursive: true });
  writeFileSync(out.json, `${JSON.stringify({ ...run, commit: sha, at: now.toISOString(), results }, null, 2)}\n`);
  const rows = results.map(
    (r) =>
      `| ${r.scenario} | ${r.fault} | ${r.acknowledged} | ${r.stored} | ${r.lost} | ${r.duplicated} | ${r.deadLettered} ` +
      `| ${(r.catchUpMs / 1000).toFixed(1)} s | ${(r.drainMs / 1000).toFixed(1)} s ` +
      `| ${errorsText(r.clientErrors)} | ${r.passed ? 'pass' : '**FAIL**'} |`,
  );
  const shortened = run.mode === 'quick' ? ", shortened from the issue's 60 s" : '';
  const clusterOutages = run.clusterOutageSeconds ? `, cluster outages of ${run.clusterOutageSeconds} s` : '';
  const doc = `# Reliability: the fault matrix

Each scenario runs a pipeline (topic, consumer group, database; the built API and a worker pool of
2 consumer processes; the scenarios without settings of their own share one, in turn) on private
throwaway Kafka, PostgreSQL and Redis instances (\`test/support/services.ts\`), sends a known set
of unique events through the API's batch route (\`POST /api/v1/ingest\`, 100 items per request,
4 at a time, spread over the run, which outlasts the fault by 20 s) while the fault
happens, then waits until the consumers have caught up (the store's consumer group committed the
high watermark of every partition) and compares the acknowledged event ids (items of 2xx answers)
with the distinct event ids in PostgreSQL and the dead-letter topic. The client retries like a
careful one: after a 503 it waits for Retry-After (capped at 1 s), after a refused or reset
connection 250 ms; a resent item keeps its event id. A scenario fails on any lost event,
duplicated row, dead letter (the data is healthy), 503 without Retry-After, or refused item.

- **lost**: acknowledged, neither stored nor dead-lettered. **duplicated**: rows beyond those the
  stored events should have (1 per report and panel event, 2 samples per push).
- **catch-up**: from the moment the fault is healed (the broker, database or API is back, the
  peer answers again, the last consumer kill is done) until the store groups' committed offsets
  reach the topic's high watermarks *as they were at that moment*: how long the backlog the
  fault left takes to be written while new load keeps coming. Measured by polling every 250 ms.
- **drain**: from the end of the load until the groups committed the topic's end (the latency
  of the last events; says little about the fault).
- **client errors**: answers other than 200 and connection errors the client saw (then retried).

Run: \`${run.command}\` (mode ${run.mode}; outages of ${run.outageSeconds} s${shortened}${clusterOutages}),
commit ${sha}, ${now.toISOString()}${run.machine ? `; ${run.machine}` : ''}. Raw numbers: \`bench/results/faults.json\`.

| scenario | fault | acknowledged | stored | lost | duplicated | dead-lettered | catch-up | drain | client errors | result |
|---|---|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

The \`cluster-\` scenarios (full run only) run on a 3-node KRaft cluster (combined broker and
controller nodes; replication factor 3, \`min.insync.replicas=2\`, which the API's topic set-up
picks on three brokers; the API's producer sends with acks=all). Each node runs in its own network
namespace (\`ip netns\`) with a veth pair to a bridge in the root namespace (10.213.N.0/24), where
the API, the workers and the accounting run with all three nodes as bootstrap. The fault hits the
node leading most partitions of the scenario's topic: \`kill -9\` then a restart, or its veth's
bridge end set down (cut off from the other nodes and every client) then up. The scenario fails
unless a partition leader moved (\`details.leaders\` in the JSON); namespaces and links are deleted
at the end, also when the run dies (the test services' guardian process).
A control scenario (not in the table) deletes a stored row and checks the accounting reports it as lost.

Found while the cluster scenarios were built, and fixed: in the first of 9 runs of
cluster-broker-kill-9, 19 acknowledged events were missing from PostgreSQL although the store
group had committed the topic's end and nothing was dead-lettered. The cause is in kafkajs 2.2.4's
produce retry (\`src/producer/sendMessages.js\`): after a failed produce request it refreshes the
metadata and sends again only to brokers that have not answered yet, so a partition whose leader
moved to a broker that had already answered is sent nowhere, and \`send\`/\`sendBatch\` resolve
anyway (kafkajs issue #1303, pull request #1798). Every produce of ours (the API's and the
collector's batching producer, the dead-letter sink, the recovery log) is now checked against the
partitions its messages went to (\`libs/kafka/src/partition-coverage.ts\`: kafkajs's default
partitioner, recording its choice): a gap fails the send like any other Kafka error, so the API
answers 503 with Retry-After and renews its producer, the client resends with the same event ids,
and the worker's dedupe and the stores' idempotent writes absorb any duplicate. A lost event is
also looked up in the events topic (\`lostInTopic\` in the JSON): there means the consumer skipped
it, absent means the producer never wrote it.

\`npm run test:faults\` runs the full matrix; \`npm run test:faults -- --quick\` (part of \`npm test\`)
the single-node scenarios with 1,500 events (3,000 and 5 consumer kills for worker-kill-9) and 5 s
outages, in about 2 minutes (131 s on this machine); it writes \`.local/faults-quick/\`, never this page (nor does a run of chosen scenarios, \`-- -t <name>\`:
\`.local/faults-partial/\`).
\`FAULTS_OUTAGE_S\` sets the single-node outage length, \`FAULTS_CLUSTER_OUTAGE_S\` the
cluster one (default 30 s), \`FAULTS_EVENTS\` the events per scenario; it exits non-zero when a
scenario fails. Code: \`test/faults/\`. The ledger that accounts for the same
events in production is \`usage-stats ledger\` ([operations.md](operations.md)).
`;
  writeFileSync(out.doc, doc);
}
