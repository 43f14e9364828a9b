#!/usr/bin/env bash
# Every test: unit specs, then integration and e2e suites against the real Kafka, PostgreSQL
# and Redis (started here if they are not running), then the quick fault matrix on private
# throwaway services. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
bash scripts/ensure-peers.sh
. scripts/local-env.sh
echo "== typecheck, lint and format"
npx tsc -p tsconfig.json --noEmit
npx eslint apps libs test bench
npx prettier --check --log-level warn "{apps,libs,test,bench}/**/*.ts"
echo "== build"
npx tsc -p tsconfig.build.json && npx tsc-alias -p tsconfig.build.json
echo "== local stack"
bash infra/stack.sh up
results=.local/test-results
rm -rf "$results" && mkdir -p "$results"
status=0
echo "== unit"
npx jest --selectProjects unit --json --outputFile="$results/unit.json" "$@" || status=1
echo "== integration and e2e (real services)"
# The official BigQuery client loads an ES module over its HTTP layer; jest needs vm modules for it.
NODE_OPTIONS="${NODE_OPTIONS:-} --experimental-vm-modules --no-warnings=ExperimentalWarning" \
  npx jest --selectProjects integration e2e --runInBand --json --outputFile="$results/services.json" "$@" || status=1
echo "== fault matrix, quick (docs/reliability.md; full run: npm run test:faults)"
# Private throwaway services only; fails on any lost or duplicated event.
FAULTS_MODE=quick NODE_OPTIONS="${NODE_OPTIONS:-} --experimental-vm-modules --no-warnings=ExperimentalWarning" \
  npx jest --selectProjects faults --runInBand --passWithNoTests --json --outputFile="$results/faults.json" "$@" || status=1
# One plain closing line for the whole run.
node -e '
  const fs = require("fs"); let p = 0, f = 0, s = 0;
  for (const file of fs.readdirSync(process.argv[1])) {
    const r = JSON.parse(fs.readFileSync(process.argv[1] + "/" + file, "utf8"));
    p += r.numPassedTests; f += r.numFailedTests + (r.numRuntimeErrorTestSuites || 0); s += r.numPendingTests;
  }
  console.log(`tests: ${p} passed, ${f} failed, ${s} skipped`);
' "$results" || status=1
exit $status
