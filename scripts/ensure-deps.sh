#!/usr/bin/env bash
# Installs node_modules when missing or older than the lockfile, so every entry command
# works on a fresh clone.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v node >/dev/null 2>&1; then
  echo "Node.js 20.19.4+ is required: apt-get install nodejs npm (or use nvm)" >&2; exit 1
fi
# 20.19.4: the events producer (@platformatic/kafka) is an ES module the apps require from CommonJS.
if ! printf '%s\n' 20.19.4 "$(node -p process.versions.node)" | sort -V -C; then
  echo "Node.js 20.19.4+ is required (found $(node --version))" >&2; exit 1
fi
stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  echo "installing dependencies (npm ci)..."
  # npm ci refuses lockfiles whose other-platform optional binaries the registry mirror
  # lacks; npm install then still installs the locked versions.
  npm ci --no-audit --no-fund --loglevel=error 2>/dev/null || npm install --no-audit --no-fund --loglevel=error
fi
