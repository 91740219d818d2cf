#!/usr/bin/env bash
# bench/scan.sh -- `make scan`: outside scanners against a QA instance (not part of `make test`).
#   1. installs Debian's wapiti and sqlmap with apt-get when they are missing;
#   2. starts a QA instance (as `make qa`: fresh SQLite, demo data, gunicorn 2 workers) on a
#      free port, with the login throttles raised (the scanners send thousands of forms;
#      throttling has its own tests);
#   3. signs in as qa.us@example.com (bench/scan_login.py writes wapiti's cookie file) and runs
#      wapiti with its SQL injection, XSS, CRLF, file, open-redirect, CSRF and header modules
#      (http_headers, cookieflags, csp, methods), with `Accept-Encoding: gzip` (wapiti 3.0.4
#      cannot read Brotli answers and would crawl a single URL);
#   4. runs sqlmap on the catalogue search (`/?q=`, level 3, risk 2) and on the login form
#      (level 2: each of its requests first fetches a fresh CSRF token, so it is slow);
#   5. writes everything to bench/results/scan-<date-time>/ and the summary to
#      bench/results/scan-latest.md (git-ignored).
# SCAN_MINUTES (default 25) bounds wapiti's whole run; the exit status is 1 when wapiti found
# anything above "low" or sqlmap found an injection.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure() { # command package
  command -v "$1" >/dev/null 2>&1 && return 0
  log "$1 not found; installing Debian's $2 with apt-get"
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq "$2" >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq "$2" >/dev/null; fi
}
ensure wapiti wapiti || { log "could not install wapiti"; exit 2; }
ensure sqlmap sqlmap || { log "could not install sqlmap"; exit 2; }
[ -x "$VENV_BIN/python" ] || { log "no virtualenv at $VENV_BIN: run \`make install\`"; exit 2; }

OUT=$ROOT/bench/results/scan-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/storefront-scan-XXXXXX)
PORT=$(free_port)
BASE=http://127.0.0.1:$PORT
trap 'stop_started; rm -rf "$WORK"' EXIT

export FLASK_APP=wsgi STOREFRONT_QA_MODE=1 STOREFRONT_DATABASE_URL=sqlite:///$WORK/qa.db \
  STOREFRONT_HUEY_SQLITE_PATH=$WORK/huey.db STOREFRONT_SECRET_KEY=$(openssl rand -hex 32) \
  STOREFRONT_BASE_URL=$BASE STOREFRONT_LOGIN_RATE_LIMIT="1000000 per minute" \
  STOREFRONT_ACCOUNT_LOGIN_RATE_LIMIT="1000000 per minute"
unset STOREFRONT_ENV
(cd "$ROOT" && "$VENV_BIN/flask" migrate && "$VENV_BIN/flask" seed) >"$OUT/setup.log" 2>&1 \
  || { cat "$OUT/setup.log" >&2; exit 2; }
(cd "$ROOT" && exec "$VENV_BIN/gunicorn" --workers 2 --worker-class gthread --threads 4 \
  --timeout 60 --no-control-socket --bind "127.0.0.1:$PORT" wsgi:app) >"$OUT/server.log" 2>&1 &
STARTED_PIDS+=("$!")
wait_up "$BASE/healthz" 60 || exit 2
log "QA instance on $BASE; results in ${OUT#$ROOT/}"

"$VENV_BIN/python" "$ROOT/bench/scan_login.py" "$BASE" "$WORK/cookies.json" >&2 || exit 2

log "wapiti (at most ${SCAN_MINUTES:-25} minutes)"
# bench/wapiti_run.py: Debian's wapiti 3.0.4 with its `-x` exclusions fixed for Python 3.11.
/usr/bin/python3 "$ROOT/bench/wapiti_run.py" -u "$BASE/" --scope folder \
  -m sql,xss,crlf,file,redirect,csrf,http_headers,cookieflags,csp,methods \
  -c "$WORK/cookies.json" -H 'Accept-Encoding: gzip' \
  -x "$BASE/logout" -x "$BASE/account/delete" -x "$BASE/_qa/reset" -x "$BASE/_qa/clock" \
  --flush-session --store-session "$WORK/wapiti-session" --store-config "$WORK/wapiti-config" \
  --max-scan-time $(( ${SCAN_MINUTES:-25} * 60 )) --max-attack-time 420 -t 30 \
  --no-bugreport -v 1 -f json -o "$OUT/wapiti.json" >"$OUT/wapiti.log" 2>&1
log "wapiti finished (exit $?)"

log "sqlmap: catalogue search"
sqlmap -u "$BASE/?q=figure" -p q --batch --level 3 --risk 2 --disable-coloring \
  --output-dir "$WORK/sqlmap" --flush-session >"$OUT/sqlmap-catalogue-search.log" 2>&1
log "sqlmap: login form"
sqlmap -u "$BASE/login" --data "csrf_token=x&email=someone%40example.com&password=Secret-123" \
  -p email,password --csrf-token csrf_token --csrf-url "$BASE/login" --batch --level 2 \
  --risk 1 --disable-coloring --output-dir "$WORK/sqlmap" --flush-session \
  >"$OUT/sqlmap-login-form.log" 2>&1

"$VENV_BIN/python" "$ROOT/bench/scan_report.py" "$OUT" | tee "$ROOT/bench/results/scan-latest.md"
if grep -Eq '\| (medium|high|critical) \|' "$ROOT/bench/results/scan-latest.md" \
   || grep -q 'INJECTABLE' "$ROOT/bench/results/scan-latest.md"; then
  exit 1
fi
