#!/usr/bin/env bash
# Brings up the whole pipeline locally: Kafka, PostgreSQL and Redis, then the ingest API and
# the worker pool; sends one payload of each client and shows the rows they became.
# Ctrl-C stops the API and the worker cleanly (the stack stays up: `npm run infra:down`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
. scripts/local-env.sh
export LOG_FORMAT="${LOG_FORMAT:-text}"
export WORKERS="${WORKERS:-2}"
api_port="${PORT:-8080}"

echo "== build"
npx tsc -p tsconfig.build.json && npx tsc-alias -p tsconfig.build.json
echo "== local stack"
bash infra/stack.sh up
mkdir -p .local/logs

pids=()
stop() {
  trap - INT TERM EXIT
  echo; echo "== stopping the ingest API and the worker"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait "${pids[@]}" 2>/dev/null || true
  echo "stopped (the local stack keeps running; npm run infra:down stops it)"
}
trap stop INT TERM EXIT

PORT="$api_port" HEALTH_CHECK_PORT=8081 METRICS_PORT=9090 \
  node dist/apps/ingest-api/src/main.js > >(tee .local/logs/ingest-api.log | sed -u 's/^/[api]    /') 2>&1 &
pids+=($!)
HEALTH_CHECK_PORT=8082 METRICS_PORT=9091 \
  node dist/apps/worker/src/main.js > >(tee .local/logs/worker.log | sed -u 's/^/[worker] /') 2>&1 &
pids+=($!)

wait_ready() { # url name pid log
  for _ in $(seq 1 120); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    if ! kill -0 "$3" 2>/dev/null; then
      echo "$2 exited during start; last lines of $4:" >&2; tail -n 5 "$4" >&2; exit 1
    fi
    sleep 0.5
  done
  echo "$2 did not become ready at $1 within 60 s; see $4" >&2; exit 1
}
wait_ready "http://127.0.0.1:8081/ready" "ingest API" "${pids[0]}" .local/logs/ingest-api.log
wait_ready "http://127.0.0.1:8082/ready" "worker" "${pids[1]}" .local/logs/worker.log

echo "== sending one payload of each client"
# Each answer names its event id (X-Event-Id): the rows shown below are exactly those events'.
# Sent again the same day, the report and the panel event keep their ids (a retry dedupes).
auth=(-H "Authorization: Bearer $API_KEY")
headers="$(mktemp)"
send() { # label curl-args... -> prints the status, sets $event_id
  local label="$1"; shift
  local code; code=$(curl -sS -D "$headers" -o /dev/null -w '%{http_code}' "$@") || code="failed"
  event_id="$(tr -d '\r' <"$headers" | awk 'tolower($1) == "x-event-id:" { print $2 }')"
  echo "  $code <- $label"
}
send "POST /grafana-usage-report (Grafana's daily report)" "${auth[@]}" -H 'Content-Type: application/json' \
  --data-binary @test/fixtures/samples/grafana-usage-report.json "http://127.0.0.1:$api_port/grafana-usage-report"
report_id="$event_id"
send "POST /write (analytics panel, text/plain)" -H 'Content-Type: text/plain' \
  --data-binary @test/fixtures/samples/analytics-panel-start.json "http://127.0.0.1:$api_port/write?key=$API_KEY"
panel_id="$event_id"
send "PUT /metrics/job/influxdb/instance/demo (Pushgateway text format)" "${auth[@]}" -X PUT \
  --data-binary @test/fixtures/samples/push.txt "http://127.0.0.1:$api_port/metrics/job/influxdb/instance/demo"
push_id="$event_id"
rm -f "$headers"

sql() { PGPASSWORD="$POSTGRES_PASSWORD" psql -X -h "$POSTGRES_HOST" -U "$POSTGRES_USER" -d "$POSTGRES_DB" "$@" 2>/dev/null; }
landed() {
  sql -Atc "select (select count(*) > 0 from usage_reports where event_id = '$report_id')
    and (select count(*) > 0 from analytics_events where event_id = '$panel_id')
    and (select count(*) > 0 from metric_samples where event_id = '$push_id')" | grep -qx t
}
echo "== waiting for the rows in PostgreSQL"
ok=0
for _ in $(seq 1 60); do landed && { ok=1; break; }; sleep 0.5; done
if [[ "$ok" == 1 ]]; then
  echo "-- the usage report became (usage_reports):"
  sql -c "select event_id, instance_id, version, edition, os, arch, packaging,
    (select count(*) from jsonb_object_keys(metrics)) as metric_count from usage_reports where event_id = '$report_id'"
  echo "-- the panel event became (analytics_events; the user is a pseudonym):"
  sql -c "select event_id, session_uuid, event_type, dashboard_uid, dashboard_name, grafana_host, user_id, user_role
    from analytics_events where event_id = '$panel_id'"
  echo "-- the push became (metric_samples):"
  sql -c "select job, name, labels, value, op from metric_samples where event_id = '$push_id' order by name limit 8"
else
  echo "the rows did not all land within 30 s; see .local/logs/worker.log" >&2
fi
cat <<MSG

The pipeline is running.
  ingest API    http://127.0.0.1:$api_port   (probes :8081/health :8081/ready, metrics :9090/metrics)
  worker        probes :8082/ready, metrics :9091/metrics, WORKERS=$WORKERS
  API key       $API_KEY   (kept in .local/secrets.env)
  try           curl -H "Authorization: Bearer $API_KEY" -H 'Content-Type: application/json' \\
                  --data-binary @test/fixtures/samples/grafana-usage-report.json http://127.0.0.1:$api_port/grafana-usage-report
Ctrl-C stops the API and the worker.
MSG
wait "${pids[@]}"
