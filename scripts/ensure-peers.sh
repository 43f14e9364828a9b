#!/usr/bin/env bash
# The one list of programs the tests and benchmarks start beside the project's own code
# (store peers, reference peers, load generators, linters), and how each is installed when
# missing: Debian's package as root, otherwise one line naming the package to install and
# exit 1. Language tools go into .local/ (a Python venv, Go binaries), never system-wide.
#
#   bash scripts/ensure-peers.sh           everything the tests and benchmarks use
#   bash scripts/ensure-peers.sh --check   report what is missing, install nothing
#
# Add a peer here, in the table that fits, and nowhere else.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="$ROOT/.local"
LOGS="$LOCAL/logs"
mkdir -p "$LOGS"
CHECK_ONLY=0; [[ "${1:-}" == --check ]] && CHECK_ONLY=1

# program on PATH -> Debian package that provides it
APT_PEERS=(
  "redis-server:redis-server"
  "psql:postgresql-client"
  "prometheus:prometheus"
  "promtool:prometheus"
  "victoria-metrics:victoria-metrics"
  "influxd:influxdb"
  "prometheus-pushgateway:prometheus-pushgateway"
  "kcat:kcat"
  "wrk:wrk"
  "curl:curl"
  "ip:iproute2"
  "python3:python3"
)

# Python packages for tests (official client libraries, fuzzers), into .local/venv.
# Pinned: a test proves compatibility with a named version.
PIP_PEERS=(
  "prometheus-client==0.26.0"
  "python-snappy==0.7.3"
  "schemathesis==4.32.5"
)

# Go programs (module@version), built into .local/bin by the Go module proxy.
GO_PEERS=(
  "helm.sh/helm/v3/cmd/helm@v3.22.0"
)

err() { echo "ensure-peers: $*" >&2; }

missing_pkgs=()
for entry in "${APT_PEERS[@]}"; do
  prog="${entry%%:*}"; pkg="${entry#*:}"
  command -v "$prog" >/dev/null 2>&1 && continue
  [[ " ${missing_pkgs[*]-} " == *" $pkg "* ]] || missing_pkgs+=("$pkg")
done

if (( ${#missing_pkgs[@]} > 0 )); then
  if (( CHECK_ONLY )); then err "missing: ${missing_pkgs[*]}"; exit 1; fi
  if [[ "$(id -u)" != 0 ]]; then
    err "missing peers; install them first: sudo apt-get install -y --no-install-recommends ${missing_pkgs[*]}"
    exit 1
  fi
  command -v apt-get >/dev/null || { err "missing ${missing_pkgs[*]} and no apt-get: install them with your package manager"; exit 1; }
  echo "ensure-peers: installing ${missing_pkgs[*]} with apt-get (log: $LOGS/apt.log) ..." >&2
  # Debian's service scripts would start system-wide daemons on the ports the tests use
  # (Prometheus on 9090, Pushgateway on 9091, InfluxDB on 8086): keep them from starting.
  policy=/usr/sbin/policy-rc.d; added=0
  if [[ ! -e "$policy" ]]; then printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && added=1; fi
  apt() { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 "$@" >>"$LOGS/apt.log" 2>&1; }
  rc=0
  apt install -y --no-install-recommends "${missing_pkgs[@]}" \
    || { apt update && apt install -y --no-install-recommends "${missing_pkgs[@]}"; } || rc=$?
  [[ "$added" == 1 ]] && rm -f "$policy"
  if [[ "$rc" != 0 ]]; then err "apt-get install ${missing_pkgs[*]} failed; last lines of $LOGS/apt.log:"; tail -n 20 "$LOGS/apt.log" >&2; exit 1; fi
  for entry in "${APT_PEERS[@]}"; do
    prog="${entry%%:*}"
    command -v "$prog" >/dev/null 2>&1 || { err "$prog still missing after installing ${entry#*:}"; exit 1; }
  done
fi

if (( ${#PIP_PEERS[@]} > 0 )); then
  venv="$LOCAL/venv"
  stamp="$venv/.peers"
  want="$(printf '%s\n' "${PIP_PEERS[@]}")"
  if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    if (( CHECK_ONLY )); then err "python test packages not installed (run without --check)"; exit 1; fi
    echo "ensure-peers: installing ${PIP_PEERS[*]} into $venv ..." >&2
    [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv" >>"$LOGS/pip.log" 2>&1 \
      || { err "python3 -m venv failed (apt-get install python3-venv); see $LOGS/pip.log"; exit 1; }
    "$venv/bin/pip" install --disable-pip-version-check -q "${PIP_PEERS[@]}" >>"$LOGS/pip.log" 2>&1 \
      || { err "pip install failed; last lines of $LOGS/pip.log:"; tail -n 20 "$LOGS/pip.log" >&2; exit 1; }
    printf '%s' "$want" >"$stamp"
  fi
fi

if (( ${#GO_PEERS[@]} > 0 )); then
  mkdir -p "$LOCAL/bin"
  for mod in "${GO_PEERS[@]}"; do
    bin="$(basename "${mod%@*}")"
    stamp="$LOCAL/bin/.$bin.version"
    [[ -x "$LOCAL/bin/$bin" && -f "$stamp" && "$(cat "$stamp")" == "$mod" ]] && continue
    if (( CHECK_ONLY )); then err "$bin not built (run without --check)"; exit 1; fi
    command -v go >/dev/null 2>&1 || { err "Go is needed to build $bin: apt-get install golang-go"; exit 1; }
    echo "ensure-peers: building $mod into $LOCAL/bin ..." >&2
    GOBIN="$LOCAL/bin" go install "$mod" >>"$LOGS/go.log" 2>&1 \
      || { err "go install $mod failed; last lines of $LOGS/go.log:"; tail -n 20 "$LOGS/go.log" >&2; exit 1; }
    printf '%s' "$mod" >"$stamp"
  done
fi
