# Shared helpers for the bench/*.sh scripts (sourced, not run).
# Logs go to stderr; tables go to stdout, so `bench/x.sh > table.md` keeps only the table.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
VENV_BIN=${VENV_BIN:-$ROOT/.venv/bin}

# The same load for every server measured (peer_oscar.sh's settings).
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNS=${WRK_CONNS:-16}
WRK_DURATION=${WRK_DURATION:-15s}
WARMUP_DURATION=${WARMUP_DURATION:-3s}
WRK_TIMEOUT=${WRK_TIMEOUT:-10s}   # wrk's default 2s would drop slow answers from the stats
WORKERS=${WORKERS:-2}

log() { printf '[%s %s] %s\n' "$(basename "$0" .sh)" "$(date +%H:%M:%S)" "$*" >&2; }

ensure_wrk() {
  command -v wrk >/dev/null 2>&1 && return 0
  log "wrk not found; installing Debian's wrk with apt-get"
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq wrk >/dev/null; fi
}

free_port() {
  "$VENV_BIN/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Servers this script started, stopped by their pid only.
STARTED_PIDS=()
stop_pid() {
  local pid=$1
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null || true
  fi
}
stop_started() { local p; for p in "${STARTED_PIDS[@]:-}"; do [ -n "$p" ] && stop_pid "$p"; done; STARTED_PIDS=(); }

wait_up() { # url [seconds]
  local url=$1 tries=$(( ${2:-30} * 5 ))
  for _ in $(seq 1 "$tries"); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url")" = 200 ]; then return 0; fi
    sleep 0.2
  done
  log "server did not answer 200: $url"; return 1
}

check200() { # url
  local code; code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$1")
  [ "$code" = 200 ] || { log "expected 200 from $1, got $code"; return 1; }
}

drain() { # gunicorn still answers what wrk left queued: wait for it before the next run
  curl -s -o /dev/null --max-time 60 "$1" || true
  sleep 1
}

# measure KEY URL OUTDIR [extra wrk args]: warm-up, then the measured run; OUTDIR/KEY.txt/.json
measure() {
  local key=$1 url=$2 out=$3; shift 3
  wrk -t"$WRK_THREADS" -c"$WRK_CONNS" -d"$WARMUP_DURATION" --timeout "$WRK_TIMEOUT" "$@" "$url" \
      >/dev/null 2>&1 || true
  drain "$url"
  wrk -t"$WRK_THREADS" -c"$WRK_CONNS" -d"$WRK_DURATION" --timeout "$WRK_TIMEOUT" --latency "$@" "$url" \
      >"$out/$key.txt" 2>&1
  drain "$url"
  "$VENV_BIN/python" "$BENCH_DIR/wrkparse.py" "$out/$key.txt" >"$out/$key.json"
  log "$key: $(cat "$out/$key.json")"
}

machine_line() {
  printf '%s, %s CPU (%s), Linux %s' "$(date -u +%Y-%m-%d)" "$(nproc)" \
    "$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //' | tr -s ' ')" "$(uname -r)"
}
