import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { BenchContext } from './support/bench-context';
import { measuredWindows, summarizeProfiles } from './support/cpu-profile';
import { REPO_ROOT, appsFrom, profileAppsInto } from './support/processes';
import { BenchReport, gitFacts, machineFacts, summary, writeReport } from './support/report';
import { SETTINGS, Scenario, ScenarioContext, ScenarioResult, SkipError } from './support/scenario';
import { drainScaling } from './scenarios/drain-scaling';
import { endToEnd } from './scenarios/end-to-end';
import { ingestCeiling } from './scenarios/ingest-ceiling';
import { latencyFixedLoad } from './scenarios/latency-fixed-load';
import { pushVsPushgateway } from './scenarios/push-vs-pushgateway';

const SCENARIOS: Scenario[] = [ingestCeiling, latencyFixedLoad, pushVsPushgateway, endToEnd, drainScaling];

const USAGE = `usage: node dist/bench/run.js [--quick] [--only name,name] [--out path] [--profile]
                                 [--reference-receiver path/app.js] [--apps-from checkout]
  --profile             run the apps under V8's CPU profiler (slower) and summarize where their time went
  --reference-receiver  measure grafana/usage-stats-handler (its app.js, built beside this checkout) in ingest-ceiling
  --apps-from           run the ingest API and worker built in another checkout (a "before" run with this harness)
scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}`;

interface Args {
  quick: boolean;
  only?: string[];
  out: string;
  profile: boolean;
  referenceReceiver?: string;
  appsFrom?: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, profile: false, out: join(REPO_ROOT, 'bench/results/latest.json') };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => inline ?? argv[++i];
    if (flag === '--quick') args.quick = true;
    else if (flag === '--only')
      args.only = value()
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else if (flag === '--out') args.out = value();
    else if (flag === '--profile') args.profile = true;
    else if (flag === '--reference-receiver') args.referenceReceiver = resolve(value());
    else if (flag === '--apps-from') args.appsFrom = resolve(value());
    else if (flag === '--help' || flag === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else {
      console.error(`unknown argument ${argv[i]}\n${USAGE}`);
      process.exit(2);
    }
  }
  const unknown = args.only?.filter((n) => !SCENARIOS.some((s) => s.name === n)) ?? [];
  if (unknown.length > 0) {
    console.error(`unknown scenario ${unknown.join(', ')}\n${USAGE}`);
    process.exit(2);
  }
  return args;
}

/** A scenario that throws is recorded (skipped or error) and the suite goes on: timing never fails a run. */
async function runOne(scenario: Scenario, ctx: ScenarioContext): Promise<ScenarioResult> {
  const started = Date.now();
  const base = { scenario: scenario.name, title: scenario.title, startedAt: new Date(started).toISOString() };
  const wallSec = () => Math.round((Date.now() - started) / 100) / 10;
  ctx.log(`== ${scenario.name}: ${scenario.title}`);
  try {
    const outcome = await scenario.run(ctx);
    const otherCpuPctOfCore = Math.max(0, ...Object.values(outcome.cpu ?? {}).map((c) => c.groupsPctOfCore.other ?? 0));
    return { ...base, status: 'ok', wallSec: wallSec(), otherCpuPctOfCore, ...outcome };
  } catch (err) {
    const skipped = err instanceof SkipError;
    ctx.log(`  ${skipped ? 'skipped' : 'ERROR'}: ${(err as Error).message}`);
    return {
      ...base,
      status: skipped ? 'skipped' : 'error',
      reason: (err as Error).message.slice(0, 2000),
      wallSec: wallSec(),
    };
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const settings = SETTINGS[args.quick ? 'quick' : 'full'];
  const bench = new BenchContext();
  const started = Date.now();
  appsFrom(args.appsFrom);
  const ctx: ScenarioContext = {
    bench,
    settings,
    referenceReceiver: args.referenceReceiver,
    log: (m) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${m}`),
  };
  const results: ScenarioResult[] = [];
  try {
    for (const scenario of SCENARIOS.filter((s) => !args.only || args.only.includes(s.name))) {
      const profileDir = args.profile
        ? join(REPO_ROOT, '.local/bench-profiles', bench.runId, scenario.name)
        : undefined;
      profileAppsInto(profileDir);
      measuredWindows.length = 0;
      const result = await runOne(scenario, ctx);
      if (profileDir) {
        result.profiles = summarizeProfiles(profileDir, measuredWindows);
        // Each measured window (monotonic µs, in the scenario's order), to summarize one phase alone.
        writeFileSync(join(profileDir, 'windows.json'), JSON.stringify(measuredWindows));
      }
      results.push(result);
    }
  } finally {
    for (const problem of await bench.cleanup()) ctx.log(`cleanup: ${problem}`);
  }
  const report: BenchReport = {
    generatedAt: new Date().toISOString(),
    mode: settings.mode,
    ...gitFacts(),
    ...(args.appsFrom ? { apps: { root: args.appsFrom, ...gitFacts(args.appsFrom) } } : {}),
    ...(args.referenceReceiver
      ? {
          referenceReceiver: {
            appJs: args.referenceReceiver,
            gitCommit: gitFacts(dirname(args.referenceReceiver)).gitCommit,
          },
        }
      : {}),
    machine: machineFacts(),
    settings,
    wallSec: Math.round((Date.now() - started) / 1000),
    scenarios: results,
  };
  writeReport(args.out, report);
  console.log(`\n${summary(report)}\n\nwritten to ${args.out}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error('bench failed:', err);
    process.exit(1);
  },
);
