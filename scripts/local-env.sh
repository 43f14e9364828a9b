#!/usr/bin/env bash
# Environment for the local stack (sourced by start.sh and test.sh). Keys are generated once
# per checkout and kept in .local/, which git ignores.
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "$repo/.local"
secrets="$repo/.local/secrets.env"
if [ ! -f "$secrets" ]; then
  # A subshell, so the private umask does not leak into the caller (it would make every
  # directory created later unreadable to the postgres OS user).
  (
    umask 077
    {
      echo "LOCAL_API_KEY=local-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
      echo "LOCAL_ANONYMIZATION_KEY=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')"
    } > "$secrets"
  )
fi
# shellcheck disable=SC1090
. "$secrets"
export API_KEY="${API_KEY:-$LOCAL_API_KEY}"
export ANONYMIZATION_KEY="${ANONYMIZATION_KEY:-$LOCAL_ANONYMIZATION_KEY}"
export POSTGRES_HOST="${POSTGRES_HOST:-127.0.0.1}"
export POSTGRES_USER="${POSTGRES_USER:-stats_user}"
export POSTGRES_PASSWORD="${POSTGRES_PASSWORD:-secure_password}"
export POSTGRES_DB="${POSTGRES_DB:-usage_stats}"
export POSTGRES_SSL_MODE="${POSTGRES_SSL_MODE:-disable}"
export REDIS_HOST="${REDIS_HOST:-127.0.0.1}"
export KAFKA_BROKERS="${KAFKA_BROKERS:-localhost:9092}"
# Peers the project builds for itself (scripts/ensure-peers.sh): Go tools and the Python venv.
export PATH="$repo/.local/bin:$repo/.local/venv/bin:$PATH"
