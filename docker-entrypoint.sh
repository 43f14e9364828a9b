#!/bin/sh
set -e
case "$1" in
  api) exec node dist/apps/ingest-api/src/main.js ;;
  worker) exec node dist/apps/worker/src/main.js ;;
  *) exec node bin/usage-stats.js "$@" ;;
esac
