#!/usr/bin/env bash
# The fault matrix (docs/reliability.md): `npm run test:faults` (full) or `-- --quick`.
# Private throwaway Kafka, PostgreSQL and Redis only (the full run adds a 3-broker cluster in
# network namespaces: needs root). The full run writes bench/results/faults.json and the table in
# docs/reliability.md, the quick one .local/faults-quick/; exits non-zero on any lost or duplicated event.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=full
args=()
for a in "$@"; do
  if [ "$a" = "--quick" ]; then mode=quick; else args+=("$a"); fi
done
bash scripts/ensure-deps.sh
bash scripts/ensure-peers.sh
. scripts/local-env.sh
npx tsc -p tsconfig.build.json && npx tsc-alias -p tsconfig.build.json
FAULTS_MODE=$mode NODE_OPTIONS="${NODE_OPTIONS:-} --experimental-vm-modules --no-warnings=ExperimentalWarning" \
  npx jest --selectProjects faults --runInBand "${args[@]+"${args[@]}"}"
