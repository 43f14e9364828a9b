#!/usr/bin/env bash
# Local dev stack: Kafka (KRaft, from Maven Central jars), PostgreSQL, Redis.
#
#   bash infra/stack.sh up       start what is not already answering (idempotent)
#   bash infra/stack.sh down     stop what this script started (and nothing else)
#   bash infra/stack.sh status   one line per service; exit 0 if all are up
#   bash infra/stack.sh purge    down, then remove the data and logs up made
#
# State, data and logs live in <repo>/.local/ (git-ignored):
#   .local/kafka  .local/redis  .local/logs/*.log  .local/*.pid
# PostgreSQL's cluster: .local/postgres, or as root /var/lib/usage-stats-handler/<checkout hash>
# (see pg_home_default; .local/postgres then links there).
#
# Ports (env): KAFKA_PORT=9092 KAFKA_CONTROLLER_PORT=9093 POSTGRES_PORT=5432 REDIS_PORT=6379
# Timeouts (env, seconds): KAFKA_START_TIMEOUT=90 POSTGRES_START_TIMEOUT=60
#   REDIS_START_TIMEOUT=20 STOP_TIMEOUT=30
# Postgres credentials are fixed: stats_user / secure_password, db usage_stats.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="$ROOT/.local"
LOGS="$LOCAL/logs"
RUN_KAFKA="$ROOT/infra/kafka/run-kafka.sh"

KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
POSTGRES_PORT="${POSTGRES_PORT:-5432}"
REDIS_PORT="${REDIS_PORT:-6379}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
POSTGRES_START_TIMEOUT="${POSTGRES_START_TIMEOUT:-60}"
REDIS_START_TIMEOUT="${REDIS_START_TIMEOUT:-20}"
STOP_TIMEOUT="${STOP_TIMEOUT:-30}"

PG_USER=stats_user
PG_PASSWORD=secure_password
PG_DB=usage_stats

IS_ROOT=0; [[ "$(id -u)" == 0 ]] && IS_ROOT=1

# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` OS user,
# which may not reach a checkout in a private home (root's is mode 700, Ubuntu's 750). Its
# cluster then lives under a system directory keyed by the checkout's path (one cluster per
# checkout, nothing of the user's changes mode); .local/postgres links to it. As any other
# user the server runs as that user, in .local/ itself. PG_HOME overrides the choice.
pg_home_default() {
  if [[ -d "$LOCAL/postgres/data" && ! -L "$LOCAL/postgres" ]]; then
    echo "$LOCAL/postgres" # a cluster made before this layout: keep using it (its path is reachable)
  elif [[ "$IS_ROOT" == 1 ]]; then
    echo "/var/lib/usage-stats-handler/$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)"
  else
    echo "$LOCAL/postgres"
  fi
}
PG_HOME="${PG_HOME:-$(pg_home_default)}"
PG_DATA="$PG_HOME/data"
PG_SOCK="$PG_HOME/run"
PG_LOG="$PG_HOME/postgres.log"

# ---------------------------------------------------------------- helpers --

err() { echo "stack.sh: $*" >&2; }

line() { # service state address [note]
  printf '%-9s %-5s %s%s\n' "$1" "$2" "$3" "${4:+ $4}"
}

log_tail() { # file
  if [[ -s "$1" ]]; then
    echo "---- last lines of $1 ----" >&2
    tail -n 25 "$1" >&2
    echo "----" >&2
  fi
}

port_open() { # port -> 0 if something accepts TCP connections on 127.0.0.1:port
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# Alive = exists and is not a zombie (our daemons are reparented to whatever
# reaps orphans here, which may take a moment).
pid_alive() {
  [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null || return 1
  local st
  st="$(sed -E 's/^[0-9]+ \(.*\) ([A-Za-z]).*/\1/' "/proc/$1/stat" 2>/dev/null)" || return 0
  [[ "$st" != Z && "$st" != X ]]
}

pidfile() { echo "$LOCAL/$1.pid"; }

# Does pid $2 still look like the service $1 this script started?
pid_matches() { # service pid
  local svc="$1" pid="$2" cmd cwd
  pid_alive "$pid" || return 1
  cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  case "$svc" in
    kafka)    [[ "$cmd" == *"$LOCAL/kafka"* && ( "$cmd" == *kafka.Kafka* || "$cmd" == *run-kafka.sh* ) ]] ;;
    postgres) [[ "$cmd" == *postgres* && "$cmd" == *"$PG_DATA"* ]] ;;
    redis)    # redis-server rewrites its argv; check the binary name and its cwd
              cwd="$(readlink "/proc/$pid/cwd" 2>/dev/null)"
              [[ "$cmd" == *redis-server* && "$cwd" == "$LOCAL/redis" ]] ;;
    *) return 1 ;;
  esac
}

our_pid() { # service -> prints pid if the pid file points at our live process
  local f pid
  f="$(pidfile "$1")"
  [[ -f "$f" ]] || return 1
  pid="$(head -n1 "$f" 2>/dev/null | tr -dc 0-9)"
  [[ -n "$pid" ]] && pid_matches "$1" "$pid" && { echo "$pid"; return 0; }
  return 1
}

pid_note() { # service -> "(pid N)" / "(external)"
  local pid
  if pid="$(our_pid "$1")"; then echo "(pid $pid)"; else echo "(external)"; fi
}

# Start "$@" detached (own session, survives the calling shell), stdout+stderr
# appended to $log. The process itself writes "pid\nport" to $pidf before it
# execs the command, so the pid is the service's own pid.
spawn() { # pidfile port logfile cwd cmd...
  local pidf="$1" port="$2" log="$3" cwd="$4"; shift 4
  rm -f "$pidf"
  # (9>&-: the daemon must not inherit the stack.lock descriptor)
  ( cd "$cwd" && exec nohup setsid bash -c 'printf "%s\n%s\n" "$$" "$1" >"$0"; shift; exec "$@"' \
      "$pidf" "$port" "$@" >>"$log" 2>&1 </dev/null 9>&- ) &
  local i
  for ((i = 0; i < 50; i++)); do [[ -s "$pidf" ]] && return 0; sleep 0.1; done
  err "could not start $1"; return 1
}

# Our process for $1 is running but was started for another port than now requested?
port_mismatch() { # service pid wanted-port
  local recorded
  recorded="$(sed -n 2p "$(pidfile "$1")" 2>/dev/null | tr -dc 0-9)"
  if [[ -n "$recorded" && "$recorded" != "$3" ]]; then
    err "our $1 (pid $2) is running on port $recorded, not $3. Run 'bash infra/stack.sh down' first, or use port $recorded."
    return 0
  fi
  return 1
}

apt_install() { # packages...
  if [[ "$IS_ROOT" != 1 ]]; then
    err "missing $* and not root: install it first, e.g. sudo apt-get install -y $*"
    return 1
  fi
  command -v apt-get >/dev/null || { err "missing $* and no apt-get: install it with your package manager"; return 1; }
  echo "stack.sh: installing $* with apt-get (log: $LOGS/apt.log) ..." >&2
  # Keep Debian's own service scripts from starting a system-wide instance on
  # our ports: this script runs its own, under .local/.
  local policy=/usr/sbin/policy-rc.d added=0
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && added=1
  fi
  local rc=0
  { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "$@" \
    || { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update \
         && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "$@"; }
  } >>"$LOGS/apt.log" 2>&1 || rc=$?
  [[ "$added" == 1 ]] && rm -f "$policy"
  if [[ "$rc" != 0 ]]; then err "apt-get install $* failed"; log_tail "$LOGS/apt.log"; return 1; fi
}

# Wait until "$check" succeeds; fail early if the process died.
wait_ready() { # service timeout logfile check-function
  local svc="$1" limit="$2" log="$3" check="$4" start=$SECONDS pid
  while true; do
    "$check" && return 0
    pid="$(head -n1 "$(pidfile "$svc")" 2>/dev/null | tr -dc 0-9)"
    if [[ -n "$pid" ]] && ! pid_alive "$pid"; then
      err "$svc exited during start-up. See $log"
      log_tail "$log"; return 1
    fi
    if (( SECONDS - start >= limit )); then
      err "$svc did not become ready within ${limit}s. See $log"
      log_tail "$log"; return 1
    fi
    sleep 0.5
  done
}

# Stop the process in the pid file: SIGTERM (or $2), wait, SIGKILL after STOP_TIMEOUT.
stop_service() { # service [signal] [group:0|1]
  local svc="$1" sig="${2:-TERM}" group="${3:-1}" f pid target i
  f="$(pidfile "$svc")"
  if [[ ! -f "$f" ]]; then echo "$svc: not started by stack.sh, nothing to stop"; return 0; fi
  pid="$(head -n1 "$f" 2>/dev/null | tr -dc 0-9)"
  if [[ -z "$pid" ]] || ! pid_alive "$pid"; then
    echo "$svc: not running (removing stale pid file)"; rm -f "$f"; return 0
  fi
  if ! pid_matches "$svc" "$pid"; then
    echo "$svc: pid $pid no longer belongs to our $svc, leaving it alone (removing stale pid file)"
    rm -f "$f"; return 0
  fi
  target="$pid"
  # Our processes run in their own session (setsid): signal the whole group so
  # a helper (e.g. Maven fetching jars) goes too. Postgres gets only the
  # postmaster, which shuts its backends down itself.
  [[ "$group" == 1 && "$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ')" == "$pid" ]] && target="-$pid"
  kill -s "$sig" -- "$target" 2>/dev/null
  for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
    pid_alive "$pid" || break
    sleep 0.1
  done
  if pid_alive "$pid"; then
    echo "$svc: still running after ${STOP_TIMEOUT}s, sending SIGKILL"
    kill -s KILL -- "$target" 2>/dev/null
    for ((i = 0; i < 50; i++)); do pid_alive "$pid" || break; sleep 0.1; done
  fi
  if pid_alive "$pid"; then err "$svc: could not stop pid $pid"; return 1; fi
  rm -f "$f"
  echo "stopped $svc (pid $pid)"
}

# ------------------------------------------------------------------ kafka --

java_bin() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then echo "$JAVA_HOME/bin/java"; else command -v java; fi
}

kafka_check_java() {
  local java v major
  java="$(java_bin)" || { err "Java 17 not found: apt-get install openjdk-17-jre-headless"; return 1; }
  v="$("$java" -version 2>&1 | awk -F'"' '/version/ {print $2; exit}')"
  major="${v%%.*}"; [[ "$major" == 1 ]] && major="$(echo "$v" | cut -d. -f2)"
  if ! [[ "$major" =~ ^[0-9]+$ ]] || (( major < 17 )); then
    err "Java 17+ required for Kafka, found '${v:-unknown}' ($java): apt-get install openjdk-17-jre-headless"
    return 1
  fi
}

kafka_jars_present() { compgen -G "$ROOT/infra/kafka/target/dependency/kafka_2.13-*.jar" >/dev/null; }

# A metadata round trip, not just TCP: a KRaft broker binds its port before
# it serves requests.
kafka_ready() {
  local port="$KAFKA_PORT"
  port_open "$port" || return 1
  if command -v kcat >/dev/null 2>&1; then
    kcat -b "127.0.0.1:$port" -L -m 3 2>/dev/null | grep -qE '^ *[1-9][0-9]* brokers:'
  else
    local java; java="$(java_bin)" || return 1
    kafka_jars_present || return 1
    timeout 20 "$java" -Xmx128m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Dlog4j.rootLogger=OFF \
      -cp "$ROOT/infra/kafka/target/dependency/*" kafka.admin.BrokerApiVersionsCommand \
      --bootstrap-server "127.0.0.1:$port" 2>/dev/null | grep -q '(id: '
  fi
}

kafka_up() {
  local log="$LOGS/kafka.log" addr="localhost:$KAFKA_PORT" pid
  if kafka_ready; then line kafka up "$addr" "$(pid_note kafka)"; return 0; fi
  if pid="$(our_pid kafka)"; then
    port_mismatch kafka "$pid" "$KAFKA_PORT" && return 1
    echo "stack.sh: kafka (pid $pid) is starting, waiting ..." >&2
  else
    if port_open "$KAFKA_PORT"; then
      err "port $KAFKA_PORT is in use by something that does not answer as a Kafka broker. Stop it or set KAFKA_PORT."
      return 1
    fi
    if port_open "$KAFKA_CONTROLLER_PORT"; then
      err "Kafka controller port $KAFKA_CONTROLLER_PORT is in use. Stop that process or set KAFKA_CONTROLLER_PORT."
      return 1
    fi
    kafka_check_java || return 1
    if ! kafka_jars_present; then
      command -v mvn >/dev/null 2>&1 || { err "Maven not found (needed once to fetch the Kafka jars): apt-get install maven"; return 1; }
    fi
    # Fetch in the foreground so a slow download does not count against the start timeout.
    bash "$RUN_KAFKA" --fetch-only || { err "fetching the Kafka jars failed"; return 1; }
    mkdir -p "$LOCAL/kafka"
    echo "==== $(date '+%F %T') stack.sh up: kafka on $KAFKA_PORT/$KAFKA_CONTROLLER_PORT ====" >>"$log"
    spawn "$(pidfile kafka)" "$KAFKA_PORT" "$log" "$LOCAL/kafka" \
      bash "$RUN_KAFKA" "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" "$LOCAL/kafka" || return 1
  fi
  wait_ready kafka "$KAFKA_START_TIMEOUT" "$log" kafka_ready || return 1
  line kafka up "$addr" "$(pid_note kafka)"
}

kafka_status() {
  local addr="localhost:$KAFKA_PORT" pid
  if kafka_ready; then line kafka up "$addr" "$(pid_note kafka)"; return 0; fi
  if pid="$(our_pid kafka)"; then line kafka down "$addr" "(pid $pid running but not answering; see $LOGS/kafka.log)"
  else line kafka down "$addr"; fi
  return 1
}

# --------------------------------------------------------------- postgres --

pg_bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [[ -x "$d/initdb" && -x "$d/pg_ctl" && -x "$d/postgres" ]] && { echo "$d"; return 0; }
  done
  if command -v pg_config >/dev/null 2>&1; then
    d="$(pg_config --bindir)"; [[ -x "$d/initdb" && -x "$d/pg_ctl" ]] && { echo "$d"; return 0; }
  fi
  d="$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/x)")"
  [[ -x "$d/initdb" && -x "$d/pg_ctl" ]] && { echo "$d"; return 0; }
  return 1
}

psql_bin() {
  local d
  if command -v psql >/dev/null 2>&1; then command -v psql; return 0; fi
  d="$(pg_bindir)" && [[ -x "$d/psql" ]] && { echo "$d/psql"; return 0; }
  return 1
}

# Run a command as the postgres OS user when root (postgres refuses to run as root).
# From / : the checkout may be a directory the postgres user cannot enter.
as_pg() {
  if [[ "$IS_ROOT" == 1 ]]; then (cd / && "$(runuser_bin)" -u postgres -- "$@"); else "$@"; fi
}

runuser_bin() {
  local r
  for r in "$(command -v runuser 2>/dev/null)" /usr/sbin/runuser /sbin/runuser; do
    [[ -n "$r" && -x "$r" ]] && { echo "$r"; return 0; }
  done
  echo runuser
}

pg_ok() { # our credentials work over TCP
  local psql; psql="$(psql_bin)" || return 1
  PGPASSWORD="$PG_PASSWORD" PGCONNECT_TIMEOUT=3 "$psql" -X -w -q -A -t \
    -h 127.0.0.1 -p "$POSTGRES_PORT" -U "$PG_USER" -d "$PG_DB" -c 'select 1' 2>/dev/null | grep -qx 1
}

pg_addr() { echo "postgresql://$PG_USER@127.0.0.1:$POSTGRES_PORT/$PG_DB"; }

pg_init() {
  local bin="$1"
  echo "stack.sh: initializing a PostgreSQL cluster in $PG_DATA" >&2
  mkdir -p "$PG_DATA" "$PG_SOCK"
  chmod 700 "$PG_DATA"
  [[ "$IS_ROOT" == 1 ]] && chown -R postgres:postgres "$PG_HOME"
  as_pg "$bin/initdb" -D "$PG_DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 >>"$PG_LOG" 2>&1 \
    || { err "initdb failed. See $PG_LOG"; log_tail "$PG_LOG"; rm -rf "$PG_DATA"; return 1; }
  local ssl="off"
  # A self-signed certificate so clients with sslmode=require (the app's
  # default POSTGRES_SSL_MODE) work too; sslmode=disable works as well.
  if command -v openssl >/dev/null 2>&1 \
     && openssl req -new -x509 -days 3650 -nodes -subj "/CN=localhost" \
          -newkey rsa:2048 -keyout "$PG_DATA/server.key" -out "$PG_DATA/server.crt" >/dev/null 2>&1; then
    chmod 600 "$PG_DATA/server.key"
    [[ "$IS_ROOT" == 1 ]] && chown postgres:postgres "$PG_DATA/server.key" "$PG_DATA/server.crt"
    ssl="on"
  fi
  cat >>"$PG_DATA/postgresql.conf" <<EOF

# ---- usage-stats-handler local dev settings (infra/stack.sh) ----
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PG_SOCK'
max_connections = 200
shared_buffers = 256MB
effective_cache_size = 1GB
work_mem = 4MB
maintenance_work_mem = 64MB
wal_buffers = 16MB
max_wal_size = 1GB
checkpoint_completion_target = 0.9
max_worker_processes = 4
max_parallel_workers = 2
max_parallel_workers_per_gather = 1
password_encryption = scram-sha-256
ssl = $ssl
log_min_messages = warning
log_connections = off
log_disconnections = off
log_line_prefix = '%m [%p] %q%u@%d '
EOF
}

pg_provision() { # create role + db idempotently, over the unix socket as superuser
  local psql; psql="$(psql_bin)" || { err "psql not found"; return 1; }
  PGCONNECT_TIMEOUT=5 "$psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$POSTGRES_PORT" -U postgres -d postgres >/dev/null <<EOF
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER') THEN
    CREATE ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
  ELSE
    ALTER ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
  END IF;
END
\$\$;
SELECT 'CREATE DATABASE $PG_DB OWNER $PG_USER' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$PG_DB')\gexec
ALTER DATABASE $PG_DB OWNER TO $PG_USER;
EOF
}

pg_socket_ready() {
  local bin; bin="$(pg_bindir)" || return 1
  "$bin/pg_isready" -q -h "$PG_SOCK" -p "$POSTGRES_PORT" -U postgres -d postgres -t 2 2>/dev/null
}

postgres_up() {
  local log="$PG_LOG" bin pid
  if pg_ok; then line postgres up "$(pg_addr)" "$(pid_note postgres)"; return 0; fi
  if pid="$(our_pid postgres)"; then
    port_mismatch postgres "$pid" "$POSTGRES_PORT" && return 1
  else
    if port_open "$POSTGRES_PORT"; then
      err "127.0.0.1:$POSTGRES_PORT is taken by a server that does not accept $PG_USER/$PG_PASSWORD on database $PG_DB."
      err "Either create that role and database there, stop that server, or run with POSTGRES_PORT=<another port>."
      return 1
    fi
    if ! bin="$(pg_bindir)"; then
      apt_install postgresql || return 1
      bin="$(pg_bindir)" || { err "PostgreSQL server binaries still not found after installing postgresql"; return 1; }
    fi
    if [[ "$IS_ROOT" == 1 ]]; then
      id postgres >/dev/null 2>&1 || { err "OS user 'postgres' is missing (postgres refuses to run as root): apt-get install postgresql-common, or useradd --system postgres"; return 1; }
      install -d -m 755 "$(dirname "$PG_HOME")"
      install -d -m 700 -o postgres -g postgres "$PG_HOME"
      if ! as_pg test -w "$PG_HOME"; then
        err "the postgres OS user cannot write $PG_HOME (a parent directory is not searchable by it?). Set PG_HOME to a directory it can reach."
        return 1
      fi
      # The cluster is outside the checkout: a link makes it easy to find.
      [[ "$PG_HOME" == "$LOCAL/postgres" || -e "$LOCAL/postgres" ]] || ln -s "$PG_HOME" "$LOCAL/postgres"
      printf '%s\n' "$ROOT" >"$PG_HOME/checkout"
    fi
    [[ -f "$PG_DATA/PG_VERSION" ]] || pg_init "$bin" || return 1
    mkdir -p "$PG_SOCK"
    [[ "$IS_ROOT" == 1 ]] && chown -R postgres:postgres "$PG_HOME"
    touch "$log"; [[ "$IS_ROOT" == 1 ]] && chown postgres "$log"
    echo "==== $(date '+%F %T') stack.sh up: postgres on $POSTGRES_PORT ====" >>"$log"
    # pg_ctl detaches the postmaster (own session), waits until it accepts connections.
    if ! as_pg "$bin/pg_ctl" start -D "$PG_DATA" -l "$log" -w -t "$POSTGRES_START_TIMEOUT" \
          -o "-p $POSTGRES_PORT -k $PG_SOCK" >/dev/null 2>&1 9>&-; then
      err "PostgreSQL did not start within ${POSTGRES_START_TIMEOUT}s. See $log"
      log_tail "$log"; return 1
    fi
    printf '%s\n%s\n' "$(head -n1 "$PG_DATA/postmaster.pid")" "$POSTGRES_PORT" >"$(pidfile postgres)"
  fi
  wait_ready postgres "$POSTGRES_START_TIMEOUT" "$log" pg_socket_ready || return 1
  pg_provision || { err "creating role $PG_USER / database $PG_DB failed. See $log"; log_tail "$log"; return 1; }
  wait_ready postgres 10 "$log" pg_ok || return 1
  line postgres up "$(pg_addr)" "$(pid_note postgres)"
}

postgres_status() {
  local pid
  if pg_ok; then line postgres up "$(pg_addr)" "$(pid_note postgres)"; return 0; fi
  if pid="$(our_pid postgres)"; then line postgres down "$(pg_addr)" "(pid $pid running but not accepting $PG_USER; see $PG_LOG)"
  elif port_open "$POSTGRES_PORT"; then line postgres down "$(pg_addr)" "(port taken by a server that rejects $PG_USER)"
  else line postgres down "$(pg_addr)"; fi
  return 1
}

# ------------------------------------------------------------------ redis --

redis_ping() { # speaks RESP itself: no redis-cli needed
  timeout 3 bash -c '
    exec 3<>/dev/tcp/127.0.0.1/'"$REDIS_PORT"' || exit 1
    printf "PING\r\n" >&3
    IFS= read -r -t 2 reply <&3 || exit 1
    [[ "$reply" == +PONG* ]]' 2>/dev/null
}

redis_up() {
  local log="$LOGS/redis.log" addr="127.0.0.1:$REDIS_PORT" pid
  if redis_ping; then line redis up "$addr" "$(pid_note redis)"; return 0; fi
  if pid="$(our_pid redis)"; then
    port_mismatch redis "$pid" "$REDIS_PORT" && return 1
    echo "stack.sh: redis (pid $pid) is starting, waiting ..." >&2
  else
    if port_open "$REDIS_PORT"; then
      err "port $REDIS_PORT is in use by something that does not answer PING with PONG (a Redis with a password?). Stop it or set REDIS_PORT."
      return 1
    fi
    if ! command -v redis-server >/dev/null 2>&1; then
      apt_install redis-server || return 1
      command -v redis-server >/dev/null 2>&1 || { err "redis-server still not found after apt-get install redis-server"; return 1; }
    fi
    mkdir -p "$LOCAL/redis"
    echo "==== $(date '+%F %T') stack.sh up: redis on $REDIS_PORT ====" >>"$log"
    spawn "$(pidfile redis)" "$REDIS_PORT" "$log" "$LOCAL/redis" \
      redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
      --daemonize no --dir "$LOCAL/redis" || return 1
  fi
  wait_ready redis "$REDIS_START_TIMEOUT" "$log" redis_ping || return 1
  line redis up "$addr" "$(pid_note redis)"
}

redis_status() {
  local pid addr="127.0.0.1:$REDIS_PORT"
  if redis_ping; then line redis up "$addr" "$(pid_note redis)"; return 0; fi
  if pid="$(our_pid redis)"; then line redis down "$addr" "(pid $pid running but not answering; see $LOGS/redis.log)"
  else line redis down "$addr"; fi
  return 1
}

# ------------------------------------------------------------------- main --

with_lock() { # serialize concurrent up/down runs
  mkdir -p "$LOCAL" "$LOGS"
  # Explicit modes whatever the caller's umask: PostgreSQL runs as another OS user and must
  # reach its log file in here.
  chmod 755 "$LOCAL" "$LOGS"
  exec 9>"$LOCAL/stack.lock"
  if ! flock -w 600 9; then err "another stack.sh is still running (lock $LOCAL/stack.lock)"; exit 1; fi
}

cmd="${1:-}"
case "$cmd" in
  up)
    with_lock
    rc=0
    kafka_up || rc=1
    postgres_up || rc=1
    redis_up || rc=1
    [[ "$rc" == 0 ]] || err "some services did not come up (logs in $LOGS)"
    exit "$rc"
    ;;
  down)
    with_lock
    rc=0
    stop_service kafka TERM 1 || rc=1
    stop_service postgres INT 0 || rc=1   # SIGINT = PostgreSQL "fast" shutdown
    stop_service redis TERM 1 || rc=1
    exit "$rc"
    ;;
  purge)
    # down, then remove the data up made: .local's service dirs and this checkout's
    # PostgreSQL cluster (only if it records this checkout as its owner).
    bash "$ROOT/infra/stack.sh" down || exit 1
    with_lock
    rm -rf "$LOCAL/kafka" "$LOCAL/redis"
    if [[ -d "$PG_HOME" && ( "$PG_HOME" == "$LOCAL/postgres" || "$(cat "$PG_HOME/checkout" 2>/dev/null)" == "$ROOT" ) ]]; then
      rm -rf "$PG_HOME"; echo "removed $PG_HOME"
    fi
    [[ -L "$LOCAL/postgres" ]] && rm -f "$LOCAL/postgres"
    exit 0
    ;;
  status)
    rc=0
    kafka_status || rc=1
    postgres_status || rc=1
    redis_status || rc=1
    exit "$rc"
    ;;
  *)
    echo "usage: bash infra/stack.sh up|down|status|purge" >&2
    echo "  env: KAFKA_PORT KAFKA_CONTROLLER_PORT POSTGRES_PORT REDIS_PORT (defaults 9092 9093 5432 6379)" >&2
    exit 2
    ;;
esac
