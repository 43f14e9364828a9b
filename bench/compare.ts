import { readFileSync } from 'node:fs';
import { GC_MAJOR } from './support/app-metrics';
import type { BenchReport } from './support/report';

/**
 * Issue 17's figures side by side across full runs, as the before/after table of BENCHMARKS.md:
 *   node dist/bench/compare.js before=bench/results/a.json after=bench/results/b.json ...
 * Each cell is taken from one run; a ratio always compares two servers of the same run.
 */
type Obj = Record<string, any>;

interface Column {
  label: string;
  report: BenchReport;
}

const num = (v: unknown, digits = 0) =>
  typeof v === 'number' && Number.isFinite(v)
    ? v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '–';

function scenario(report: BenchReport, name: string): Obj | undefined {
  const s = report.scenarios.find((x) => x.scenario === name);
  return s?.status === 'ok' ? (s as Obj) : undefined;
}

/** Peak RSS of the ingest API over every scenario of the run. */
function apiPeakRss(report: BenchReport): number | undefined {
  const peaks = report.scenarios.flatMap((s) =>
    (s.memory ?? []).flatMap((m) =>
      m.label === 'ingest-api' ? m.processes.filter((p) => p.role === 'primary').map((p) => p.peakRssMb) : [],
    ),
  );
  return peaks.length ? Math.max(...peaks) : undefined;
}

const ROWS: Array<{ figure: string; target: string; cell: (r: BenchReport) => string }> = [
  {
    figure: 'ingest, 3.3 KB report: ours / grafana/usage-stats-handler (req/s)',
    target: '>= 1.5',
    cell: (r) => {
      const f = scenario(r, 'ingest-ceiling');
      if (!f?.figures.referenceReceiver) return '–';
      return `**${num(f.ratios.oursToReferenceReceiver, 2)}** (${num(f.figures.ours.reqPerSec)} / ${num(f.figures.referenceReceiver.reqPerSec)})`;
    },
  },
  {
    figure: 'ingest, 3.3 KB report: ours / bare Fastify (req/s)',
    target: '>= 0.5',
    cell: (r) => {
      const f = scenario(r, 'ingest-ceiling');
      return f
        ? `**${num(f.ratios.oursToBareFastify, 2)}** (${num(f.figures.ours.reqPerSec)} / ${num(f.figures.bareFastify.reqPerSec)})`
        : '–';
    },
  },
  {
    figure: 'ingest, small report (sample, ~0.7 KB): ours / bare Fastify; / usage-stats-handler',
    target: '–',
    cell: (r) => {
      const s = scenario(r, 'ingest-ceiling')?.figures.smallReport;
      const q = scenario(r, 'ingest-ceiling')?.ratios;
      return s
        ? `**${num(q.smallOursToBareFastify, 2)}**; ${num(q.smallOursToReferenceReceiver, 2)} (${num(s.ours.reqPerSec)} / ${num(s.bareFastify.reqPerSec)} / ${num(s.referenceReceiver?.reqPerSec)})`
        : '–';
    },
  },
  {
    figure: 'ack latency at 2,000 req/s, open loop: p50 / p99 (ms)',
    target: 'p99 <= 25',
    cell: (r) => {
      const l = scenario(r, 'latency-fixed-load')?.figures.load;
      return l ? `${num(l.latencyMs.p50, 1)} / **${num(l.latencyMs.p99, 1)}**` : '–';
    },
  },
  {
    figure: "the API's full collections in that 30 s window (count; mean pause ms)",
    target: '–',
    cell: (r) => {
      const s = scenario(r, 'latency-fixed-load');
      const count = s?.figures.apiFullCollections;
      if (typeof count !== 'number') return '–'; // runs before the bench counted them
      const major = s?.internals?.fixedLoad?.['ingest-api']?.[GC_MAJOR];
      return major ? `${count}; ${num(major.mean * 1000, 1)}` : `${count}`;
    },
  },
  {
    figure: 'push, 30 series, one group: ours / Pushgateway (req/s)',
    target: '>= 2.5',
    cell: (r) => {
      const p = scenario(r, 'push-vs-pushgateway');
      return p
        ? `**${num(p.ratios.oursToPushgateway, 2)}** (${num(p.figures.oneGroup.ours.reqPerSec)} / ${num(p.figures.oneGroup.pushgateway.reqPerSec)})`
        : '–';
    },
  },
  {
    figure: 'push, 30 series, 200 groups: ours / Pushgateway',
    target: '–',
    cell: (r) => num(scenario(r, 'push-vs-pushgateway')?.ratios.oursToPushgatewayFleet, 2),
  },
  {
    figure: 'end to end into PostgreSQL, one report per request: / plain COPY (events/s)',
    target: '>= 0.35',
    cell: (r) => {
      const e = scenario(r, 'end-to-end');
      return e
        ? `**${num(e.ratios.singleToCopy, 2)}** (${num(e.figures.singleReports.eventsPerSec)} / ${num(e.figures.copyCeiling.rowsPerSec)})`
        : '–';
    },
  },
  {
    figure: 'end to end, 100 per request: / plain COPY (events/s)',
    target: '>= 0.5',
    cell: (r) => {
      const e = scenario(r, 'end-to-end');
      return e
        ? `**${num(e.ratios.batchedToCopy, 2)}** (${num(e.figures.batched.eventsPerSec)} / ${num(e.figures.copyCeiling.rowsPerSec)})`
        : '–';
    },
  },
  {
    figure: 'ack-to-row p99 at 1,000 reports/s (ms)',
    target: '<= 1,000',
    cell: (r) => {
      const a = scenario(r, 'end-to-end')?.figures.steady.ackToRow;
      return a?.seen ? `**${num(a.latencyMs.p99)}** (${num(a.missing)} missing)` : '–';
    },
  },
  {
    figure: 'drain, WORKERS=2 / WORKERS=1, all consumers joined; from spawn',
    target: '>= 1.5',
    cell: (r) => {
      const d = scenario(r, 'drain-scaling');
      return d
        ? `**${num(d.ratios.workers2ToWorkers1AfterJoin, 2)}**; ${num(d.ratios.workers2ToWorkers1FromSpawn, 2)}`
        : '–';
    },
  },
  { figure: 'ingest API peak RSS, any scenario (MB)', target: '<= 200', cell: (r) => `**${num(apiPeakRss(r))}**` },
];

function main(): void {
  const columns: Column[] = process.argv.slice(2).map((arg) => {
    const eq = arg.indexOf('=');
    if (eq < 1) throw new Error(`expected label=path, got ${arg}`);
    return { label: arg.slice(0, eq), report: JSON.parse(readFileSync(arg.slice(eq + 1), 'utf8')) as BenchReport };
  });
  if (columns.length === 0) {
    console.error('usage: node dist/bench/compare.js label=report.json [label=report.json ...]');
    process.exit(2);
  }
  const head = columns.map((c) => {
    const commit = c.report.apps?.gitCommit ?? c.report.gitCommit;
    return `${c.label} (${commit?.slice(0, 7) ?? '?'}, ${c.report.mode})`;
  });
  const lines = [
    `| figure | target | ${head.join(' | ')} |`,
    `|---|---|${columns.map(() => '---').join('|')}|`,
    ...ROWS.map((row) => `| ${row.figure} | ${row.target} | ${columns.map((c) => row.cell(c.report)).join(' | ')} |`),
  ];
  console.log(lines.join('\n'));
}

main();
