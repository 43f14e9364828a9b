#!/usr/bin/env bash
# npm run fuzz: schemathesis against the ingest API's own OpenAPI document (GET /openapi.json):
# positive and negative cases for every operation; it fails on any 5xx, any status code or
# content type the document does not list, and any crash or hung request.
#
#   bash scripts/fuzz.sh                  start the built API (npm run build first) on free ports,
#                                         with topics of its own, fuzz it, stop it
#   FUZZ_URL=http://host:8080 bash ...    fuzz an API that is already running (API_KEY: one of its keys)
#   FUZZ_MAX_EXAMPLES=250                 cases per operation and phase (default 250: about 2,500 cases in all)
#   FUZZ_PHASES=fuzzing                   schemathesis phases (default examples,coverage,fuzzing)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
. scripts/local-env.sh
bash scripts/ensure-peers.sh
MAX_EXAMPLES="${FUZZ_MAX_EXAMPLES:-250}"
REPORT_DIR="$ROOT/.local/fuzz"
mkdir -p "$REPORT_DIR"

url="${FUZZ_URL:-}"
api_pid=""
topic=""
cleanup() {
  [[ -n "$api_pid" ]] && kill "$api_pid" 2>/dev/null && wait "$api_pid" 2>/dev/null || true
  if [[ -n "$topic" ]]; then
    node -e "const {Kafka,logLevel}=require('kafkajs');const a=new Kafka({brokers:[process.argv[1]],logLevel:logLevel.NOTHING}).admin();
      a.connect().then(()=>a.deleteTopics({topics:[process.argv[2],process.argv[2]+'-dlq']})).catch(()=>{}).finally(()=>a.disconnect());" \
      "${KAFKA_BROKERS%%,*}" "$topic" || true
  fi
}
trap cleanup EXIT

if [[ -z "$url" ]]; then
  [[ -f dist/apps/ingest-api/src/main.js ]] || { echo "fuzz: run npm run build first" >&2; exit 1; }
  free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
  port="$(free_port)"; topic="fuzz-$(date +%s)-$RANDOM"
  # No rate limit: the fuzzer is one client sending thousands of requests.
  PORT="$port" HEALTH_CHECK_PORT="$(free_port)" METRICS_PORT="$(free_port)" KAFKA_TOPIC="$topic" \
    KAFKA_DEAD_LETTER_TOPIC="$topic-dlq" KAFKA_TOPIC_PARTITIONS=3 RATE_LIMIT_RPS=0 LOG_LEVEL=error \
    node dist/apps/ingest-api/src/main.js >"$REPORT_DIR/api.log" 2>&1 &
  api_pid=$!
  url="http://127.0.0.1:$port"
  for _ in $(seq 1 120); do
    curl -fsS "$url/ready" >/dev/null 2>&1 && break
    kill -0 "$api_pid" 2>/dev/null || { echo "fuzz: the API exited; log:" >&2; tail -n 20 "$REPORT_DIR/api.log" >&2; exit 1; }
    sleep 0.5
  done
fi

# From .local/fuzz, where schemathesis keeps its cache of found failures.
cd "$REPORT_DIR"
schemathesis run "$url/openapi.json" --url "$url" \
  -H "Authorization: Bearer $API_KEY" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance \
  --max-examples "$MAX_EXAMPLES" --phases "${FUZZ_PHASES:-examples,coverage,fuzzing}" --mode all \
  --request-timeout 30 --seed "${FUZZ_SEED:-12345}" --generation-deterministic \
  --report junit,ndjson --report-dir "$REPORT_DIR" \
  --warnings off --suppress-health-check all
