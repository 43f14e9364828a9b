import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './support/processes';
import type { BenchReport } from './support/report';
import { NOISY_PCT } from './support/report';

/**
 * Prints the figures of a bench report as the Markdown tables of BENCHMARKS.md:
 *   node dist/bench/render.js [bench/results/latest.json]
 */
type Obj = Record<string, any>;

const n = (v: unknown) =>
  v === null || v === undefined ? '–' : typeof v === 'number' ? v.toLocaleString('en-US') : String(v);
const lat = (l: Obj | undefined) => (l ? `${n(l.p50)} / ${n(l.p99)} / ${n(l.max)}` : '–');
const row = (cells: unknown[]) => `| ${cells.map(n).join(' | ')} |`;

function figuresTable(report: BenchReport): string[] {
  const by = Object.fromEntries(report.scenarios.map((s) => [s.scenario, s])) as Record<string, Obj>;
  const f = (name: string) => (by[name]?.status === 'ok' ? by[name].figures : undefined) as Obj | undefined;
  const r = (name: string, key: string) => (by[name]?.ratios ?? {})[key];
  const out = [
    '| scenario | reference | ours | ratio (ours/ref) | latency p50 / p99 / max (ms) |',
    '|---|---|---|---|---|',
  ];
  const c = f('ingest-ceiling');
  if (c)
    out.push(
      row([
        `1. ingest ceiling, ${n(c.payloadBytes)} B report (req/s)`,
        `bare Fastify ${n(c.bareFastify.reqPerSec)}`,
        c.ours.reqPerSec,
        r('ingest-ceiling', 'oursToBareFastify'),
        `ref ${lat(c.bareFastify.latencyMs)}; ours ${lat(c.ours.latencyMs)}`,
      ]),
    );
  if (c?.smallReport)
    out.push(
      row([
        `1. ingest ceiling, ${n(c.smallReport.payloadBytes)} B report (req/s)`,
        `bare Fastify ${n(c.smallReport.bareFastify.reqPerSec)}` +
          (c.smallReport.referenceReceiver
            ? `; grafana/usage-stats-handler ${n(c.smallReport.referenceReceiver.reqPerSec)}`
            : ''),
        c.smallReport.ours.reqPerSec,
        [r('ingest-ceiling', 'smallOursToBareFastify'), r('ingest-ceiling', 'smallOursToReferenceReceiver')]
          .filter((v) => v !== undefined)
          .map(n)
          .join(' / '),
        `ref ${lat(c.smallReport.bareFastify.latencyMs)}; ours ${lat(c.smallReport.ours.latencyMs)}`,
      ]),
    );
  if (c?.referenceReceiver)
    out.push(
      row([
        `1. ingest ceiling, ${n(c.payloadBytes)} B report (req/s), the receiver it replaces`,
        `grafana/usage-stats-handler ${n(c.referenceReceiver.reqPerSec)}`,
        c.ours.reqPerSec,
        r('ingest-ceiling', 'oursToReferenceReceiver'),
        `ref ${lat(c.referenceReceiver.latencyMs)}; ours ${lat(c.ours.latencyMs)}`,
      ]),
    );
  const l = f('latency-fixed-load');
  if (l)
    out.push(
      row([
        `2. ack latency at ${n(l.load.targetRate)} req/s, open loop`,
        '–',
        `${n(l.load.achievedRate)} req/s, ${n(l.load.errors + l.load.non2xx)} errors`,
        '–',
        lat(l.load.latencyMs),
      ]),
    );
  const p = f('push-vs-pushgateway');
  if (p) {
    out.push(
      row([
        `3. push, ${p.seriesPerPush} series, 1 group (req/s)`,
        `Pushgateway ${n(p.oneGroup.pushgateway.reqPerSec)}`,
        p.oneGroup.ours.reqPerSec,
        r('push-vs-pushgateway', 'oursToPushgateway'),
        `ref ${lat(p.oneGroup.pushgateway.latencyMs)}; ours ${lat(p.oneGroup.ours.latencyMs)}`,
      ]),
    );
    out.push(
      row([
        `3. push, ${p.seriesPerPush} series, ${p.fleet.groups} groups (req/s)`,
        `Pushgateway ${n(p.fleet.pushgateway.reqPerSec)}`,
        p.fleet.ours.reqPerSec,
        r('push-vs-pushgateway', 'oursToPushgatewayFleet'),
        `ref ${lat(p.fleet.pushgateway.latencyMs)}; ours ${lat(p.fleet.ours.latencyMs)}`,
      ]),
    );
  }
  const e = f('end-to-end');
  if (e) {
    out.push(
      row([
        '4. end to end, 1 report/request (events/s)',
        `plain COPY ${n(e.copyCeiling.rowsPerSec)} rows/s`,
        e.singleReports.eventsPerSec,
        r('end-to-end', 'singleToCopy'),
        `ack ${lat(e.singleReports.load.latencyMs)}`,
      ]),
    );
    out.push(
      row([
        `4. end to end, ${e.batched.itemsPerRequest}/request on /api/v1/ingest (events/s)`,
        `plain COPY ${n(e.copyCeiling.rowsPerSec)} rows/s`,
        e.batched.eventsPerSec,
        r('end-to-end', 'batchedToCopy'),
        `ack ${lat(e.batched.load.latencyMs)}`,
      ]),
    );
    out.push(
      row([
        `4. ack-to-row at ${n(e.steady.load.targetRate)}/s`,
        '–',
        `${n(e.steady.ackToRow.seen)}/${n(e.steady.ackToRow.acked)} rows seen`,
        '–',
        lat(e.steady.ackToRow.latencyMs),
      ]),
    );
  }
  const d = f('drain-scaling');
  if (d) {
    out.push(
      row([
        '5. drain, all consumers joined (events/s)',
        `WORKERS=1 ${n(d.workers1.eventsPerSecAfterJoin)}`,
        `WORKERS=2 ${n(d.workers2.eventsPerSecAfterJoin)}`,
        r('drain-scaling', 'workers2ToWorkers1AfterJoin'),
        '–',
      ]),
    );
    out.push(
      row([
        `5. drain of ${n(d.workers1.warmupEvents + d.workers1.events)} from spawn (events/s)`,
        `WORKERS=1 ${n(d.workers1.eventsPerSecFromSpawn)}`,
        `WORKERS=2 ${n(d.workers2.eventsPerSecFromSpawn)}`,
        r('drain-scaling', 'workers2ToWorkers1FromSpawn'),
        `ready after ${n(d.workers1.readySec)} s / ${n(d.workers2.readySec)} s`,
      ]),
    );
  }
  return out;
}

function targetsTable(report: BenchReport): string[] {
  const out = ['| scenario | target | bound | measured | met |', '|---|---|---|---|---|'];
  for (const s of report.scenarios) {
    if (s.status !== 'ok') {
      out.push(row([s.scenario, s.status, '–', s.reason ?? '', '–']));
      continue;
    }
    for (const t of s.targets ?? [])
      out.push(row([s.scenario, t.name, t.target, t.value, t.met === null ? '?' : t.met ? 'yes' : '**no**']));
  }
  return out;
}

function memoryTable(report: BenchReport): string[] {
  const out = ['| scenario | process | peak RSS (MB) |', '|---|---|---|'];
  for (const s of report.scenarios) {
    for (const m of s.memory ?? [])
      for (const p of m.processes)
        out.push(row([s.scenario, `${m.label} ${p.role}${p.role === 'child' ? ` ${p.pid}` : ''}`, p.peakRssMb]));
  }
  return out;
}

function cpuTable(report: BenchReport): string[] {
  const out = ['| scenario / window | machine busy % | CPU by process group (% of one core) |', '|---|---|---|'];
  for (const s of report.scenarios) {
    for (const [w, c] of Object.entries(s.cpu ?? {})) {
      out.push(
        row([
          `${s.scenario} / ${w}`,
          c.machineBusyPct,
          Object.entries(c.groupsPctOfCore)
            .map(([g, v]) => `${g} ${v}`)
            .join(', '),
        ]),
      );
    }
  }
  return out;
}

function perEventTable(report: BenchReport): string[] {
  const out = ['| window | events/s | CPU-ms per event by group |', '|---|---|---|'];
  const e = report.scenarios.find((s) => s.scenario === 'end-to-end' && s.status === 'ok')?.figures as Obj | undefined;
  const d = report.scenarios.find((s) => s.scenario === 'drain-scaling' && s.status === 'ok')?.figures as
    Obj | undefined;
  const fmt = (m: Obj | undefined) =>
    Object.entries(m ?? {})
      .map(([g, v]) => `${g} ${v}`)
      .join(', ');
  if (e) {
    out.push(row(['end to end, 1 report/request', e.singleReports.eventsPerSec, fmt(e.singleReports.cpuMsPerEvent)]));
    out.push(row(['end to end, batches', e.batched.eventsPerSec, fmt(e.batched.cpuMsPerEvent)]));
  }
  if (d)
    for (const w of ['workers1', 'workers2'])
      out.push(row([`drain WORKERS=${d[w].workers}`, d[w].eventsPerSec, fmt(d[w].cpuMsPerEvent)]));
  return out;
}

function main(): void {
  const path = process.argv[2] ?? join(REPO_ROOT, 'bench/results/latest.json');
  const report = JSON.parse(readFileSync(path, 'utf8')) as BenchReport;
  const noisy = report.scenarios
    .filter((s) => (s.otherCpuPctOfCore ?? 0) >= NOISY_PCT)
    .map((s) => `${s.scenario} (${s.otherCpuPctOfCore}%)`);
  console.log(
    [
      `Run: ${report.generatedAt}, \`${report.mode}\`, commit ${report.gitCommit?.slice(0, 12) ?? '?'}${report.gitDirty ? ' plus uncommitted changes' : ''}, ` +
        `${report.machine.cpuCount} × ${report.machine.cpuModel}, Node ${report.machine.node}, ${report.wallSec} s.`,
      noisy.length
        ? `Noisy windows (other processes' CPU, % of one core): ${noisy.join(', ')}.`
        : 'No other process used more than 15% of a core in any measured window.',
      '',
      ...figuresTable(report),
      '',
      ...targetsTable(report),
      '',
      ...memoryTable(report),
      '',
      ...cpuTable(report),
      '',
      ...perEventTable(report),
    ].join('\n'),
  );
}

main();
