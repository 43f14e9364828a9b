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
# Scenario 3's reference is Debian's Pushgateway; install it when we can (root + apt-get).
if ! command -v prometheus-pushgateway >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "== installing prometheus-pushgateway (apt-get)"
  mkdir -p .local/logs
  { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends prometheus-pushgateway \
    || { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update \
         && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends prometheus-pushgateway; }
  } >> .local/logs/apt.log 2>&1 || echo "could not install prometheus-pushgateway (see .local/logs/apt.log); that scenario will be skipped"
fi
echo "== build"
npx tsc -p tsconfig.build.json && npx tsc-alias -p tsconfig.build.json
echo "== local stack"
bash infra/stack.sh up
echo "== bench"
exec node dist/bench/run.js "$@"
