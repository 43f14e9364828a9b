#!/usr/bin/env bash
# The benchmark suite (bench/, BENCHMARKS.md): builds, brings up the local stack, and runs
# every scenario against it. Figures go to bench/results/latest.json. Never part of
# `npm test`; timing never fails it (a scenario that cannot run is reported as skipped).
#
#   npm run bench                  full run (~10 minutes on 2 cores)
#   npm run bench -- --quick       short run (under 3 minutes)
#   npm run bench -- --only end-to-end,drain-scaling
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
bash scripts/ensure-peers.sh
echo "== build"
npx tsc -p tsconfig.build.json && npx tsc-alias -p tsconfig.build.json
echo "== local stack"
bash infra/stack.sh up
echo "== bench"
exec node dist/bench/run.js "$@"
