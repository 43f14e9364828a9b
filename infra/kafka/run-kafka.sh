#!/usr/bin/env bash
# Run one local Kafka 3.9 broker (KRaft, combined broker+controller) in the
# foreground, from the jars Maven fetches into infra/kafka/target/dependency.
#
#   run-kafka.sh PORT CONTROLLER_PORT DATA_DIR [key=value ...]
#   run-kafka.sh --fetch-only        # just make sure the jars are there
#
# - Fetches the jars first (mvn dependency:copy-dependencies) if they are
#   missing or pom.xml changed since the last fetch.
# - Writes DATA_DIR/server.properties (infra/kafka/server.properties with the
#   given ports, log.dirs=DATA_DIR/data and any key=value overrides) and
#   DATA_DIR/log4j.properties (everything to stdout).
# - Formats the KRaft storage in DATA_DIR/data unless already formatted.
# - Then execs the broker: the pid of this script becomes the broker's pid, so
#   SIGTERM = clean shutdown, SIGKILL = crash.
#
# Environment (all optional):
#   KAFKA_CLUSTER_ID      cluster id used when formatting (default: fixed id)
#   KAFKA_ADVERTISED_HOST host in advertised.listeners (default: localhost)
#   KAFKA_HEAP_OPTS       default: -Xmx512m -Xms256m
#   KAFKA_JVM_PERFORMANCE_OPTS, KAFKA_OPTS   extra JVM flags
#   KAFKA_LOG_LEVEL       root log level (default: INFO)
#   JAVA                  java binary (default: java on PATH / $JAVA_HOME)
set -euo pipefail

KAFKA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DEP_DIR="$KAFKA_DIR/target/dependency"
TEMPLATE="$KAFKA_DIR/server.properties"
DEFAULT_CLUSTER_ID="xvLiLNtdQnOUUzZ7mBgx7A"

die() { echo "run-kafka.sh: $*" >&2; exit 1; }

if [[ -n "${JAVA:-}" ]]; then :
elif [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then JAVA="$JAVA_HOME/bin/java"
else JAVA=java; fi

check_java() {
  command -v "$JAVA" >/dev/null 2>&1 \
    || die "Java 17 not found: apt-get install openjdk-17-jre-headless"
  local v major
  v="$("$JAVA" -version 2>&1 | awk -F'"' '/version/ {print $2; exit}')"
  major="${v%%.*}"
  [[ "$major" == 1 ]] && major="$(echo "$v" | cut -d. -f2)"
  [[ "$major" =~ ^[0-9]+$ && "$major" -ge 17 ]] \
    || die "Java 17+ required, found '${v:-unknown}' ($JAVA): apt-get install openjdk-17-jre-headless"
}

pom_stamp() { sha256sum "$KAFKA_DIR/pom.xml" | cut -d' ' -f1; }

jars_ok() {
  compgen -G "$DEP_DIR/kafka_2.13-*.jar" >/dev/null \
    && [[ -f "$DEP_DIR/.pom.sha256" && "$(cat "$DEP_DIR/.pom.sha256")" == "$(pom_stamp)" ]]
}

fetch_jars() {
  jars_ok && return 0
  command -v mvn >/dev/null 2>&1 || die "Maven not found (needed once to fetch the Kafka jars): apt-get install maven"
  mkdir -p "$KAFKA_DIR/target"
  # Serialize concurrent fetches (e.g. several test brokers starting at once).
  exec 8>"$KAFKA_DIR/target/.fetch.lock"
  flock 8
  if ! jars_ok; then
    echo "run-kafka.sh: fetching Kafka jars with Maven into $DEP_DIR ..." >&2
    local tmp="$KAFKA_DIR/target/dependency.tmp.$$"
    rm -rf "$tmp"
    # (sed: Debian's mvn prints bare colour-reset codes even with -B -q)
    (cd "$KAFKA_DIR" && set -o pipefail && mvn -B -q -f pom.xml dependency:copy-dependencies \
        -DoutputDirectory="$tmp" -DincludeScope=runtime 2>&1 | sed -e 's/\x1b\[[0-9;]*m//g' -e '/^[[:space:]]*$/d' >&2) \
      || { rm -rf "$tmp"; die "Maven could not fetch the Kafka jars (see output above)"; }
    pom_stamp >"$tmp/.pom.sha256"
    rm -rf "$DEP_DIR"
    mv "$tmp" "$DEP_DIR"
  fi
  flock -u 8
  exec 8>&-
}

if [[ "${1:-}" == "--fetch-only" ]]; then
  fetch_jars
  exit 0
fi

[[ $# -ge 3 ]] || die "usage: run-kafka.sh PORT CONTROLLER_PORT DATA_DIR [key=value ...]"
PORT="$1"; CONTROLLER_PORT="$2"; DATA_DIR="$3"; shift 3
[[ "$PORT" =~ ^[0-9]+$ && "$CONTROLLER_PORT" =~ ^[0-9]+$ ]] || die "ports must be numbers: '$PORT' '$CONTROLLER_PORT'"
[[ "$PORT" != "$CONTROLLER_PORT" ]] || die "PORT and CONTROLLER_PORT must differ"
for kv in "$@"; do [[ "$kv" == *=* ]] || die "override '$kv' is not key=value"; done

check_java
fetch_jars

mkdir -p "$DATA_DIR"
DATA_DIR="$(cd "$DATA_DIR" && pwd)"
LOG_DIRS="$DATA_DIR/data"
PROPS="$DATA_DIR/server.properties"
LOG4J="$DATA_DIR/log4j.properties"
ADV_HOST="${KAFKA_ADVERTISED_HOST:-localhost}"

# server.properties: template + per-instance values + caller overrides.
# Later keys win; keys already in the template are replaced in place.
{
  printf '%s\n' \
    "listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT" \
    "advertised.listeners=PLAINTEXT://$ADV_HOST:$PORT" \
    "controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT" \
    "log.dirs=$LOG_DIRS"
  printf '%s\n' "$@"
} >"$PROPS.overrides"
awk -F= '
  NR == FNR { if ($0 ~ /=/) { k = $1; v[k] = substr($0, length(k) + 2); order[++n] = k } ; next }
  /^[[:space:]]*#/ || !/=/ { print; next }
  { k = $1; gsub(/[[:space:]]/, "", k)
    if (k in v) { if (!(k in done)) { print k "=" v[k]; done[k] = 1 } ; next }
    print }
  END {
    hdr = 0
    for (i = 1; i <= n; i++) { k = order[i]; if (!(k in done)) {
      if (!hdr) { print ""; print "# overrides from run-kafka.sh"; hdr = 1 }
      print k "=" v[k]; done[k] = 1 } }
  }' "$PROPS.overrides" "$TEMPLATE" >"$PROPS.tmp"
# (keys given twice in the overrides: the last value wins)
mv "$PROPS.tmp" "$PROPS"
rm -f "$PROPS.overrides"

cat >"$LOG4J" <<EOF
log4j.rootLogger=${KAFKA_LOG_LEVEL:-INFO}, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.network.RequestChannel\$=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
log4j.logger.org.apache.kafka.storage.internals.log.LogLoader=WARN
log4j.logger.kafka.authorizer.logger=WARN
EOF

CP="$DEP_DIR/*"
# Short-lived tools: favour start-up time over peak performance.
TOOL_OPTS=(-Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Djava.awt.headless=true
           "-Dlog4j.configuration=file:$LOG4J")

if [[ ! -f "$LOG_DIRS/meta.properties" ]]; then
  mkdir -p "$LOG_DIRS"
  echo "run-kafka.sh: formatting KRaft storage in $LOG_DIRS" >&2
  "$JAVA" "${TOOL_OPTS[@]}" -cp "$CP" kafka.tools.StorageTool format \
    --cluster-id="${KAFKA_CLUSTER_ID:-$DEFAULT_CLUSTER_ID}" --config "$PROPS" --ignore-formatted >&2 \
    || die "formatting $LOG_DIRS failed"
fi

# shellcheck disable=SC2086  # the *_OPTS variables are word lists on purpose
exec "$JAVA" \
  ${KAFKA_HEAP_OPTS:--Xmx512m -Xms256m} \
  ${KAFKA_JVM_PERFORMANCE_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15} \
  -Djava.awt.headless=true \
  "-Dlog4j.configuration=file:$LOG4J" \
  "-Dkafka.logs.dir=$DATA_DIR" \
  ${KAFKA_OPTS:-} \
  -cp "$CP" kafka.Kafka "$PROPS"
