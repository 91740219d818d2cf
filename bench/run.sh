#!/usr/bin/env bash
# bench/run.sh -- every benchmark, in order (`make bench` runs this):
#   1. bench/page_weights.py  bytes on the wire of the whole preorder checkout (Chromium)
#      bench/slowlink.py      the first-visit preorder checkout at 300 ms / 400 kbit/s, JS on/off
#      bench/lighthouse.py    Lighthouse (npm) on the catalogue, a product and a guide page
#   2. bench/peer.sh          django-oscar's product page, then right after it bench/rps.sh
#                             (our product page, our catalogue, a Flask hello world), ratios
#   3. bench/launch.py        200 customers race for 100 units on PostgreSQL, 4 workers
# Each prints a Markdown table; all of them are also written to bench/results/latest.md
# (raw wrk output, logs and JSON in bench/results/<date-time>/). About 4 to 5 minutes on
# 2 cores (the first run also installs django-oscar into /tmp/storefront-bench-oscar).
# A benchmark that fails is reported and the next one still runs; the exit status is then 1.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STAMP=$(date +%Y%m%d-%H%M%S)
RESULTS=$ROOT/bench/results
export BENCH_OUT=$RESULTS/$STAMP
LATEST=$RESULTS/latest.md
mkdir -p "$BENCH_OUT"
START=$(date +%s)

[ -x "$VENV_BIN/python" ] || { log "no virtualenv at $VENV_BIN: run \`make install\` (or \`make bench\`)"; exit 2; }
[ -x /usr/bin/chromium ] || { log "/usr/bin/chromium missing: run \`make chromium\` (or \`make bench\`)"; exit 2; }
ensure_wrk || { log "could not install wrk"; exit 2; }

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
{
  echo "# Storefront benchmarks"
  echo
  echo "Run $(date -u +"%Y-%m-%d %H:%M UTC") on$(machine_line | cut -d, -f2-)"
  echo "(\`nproc\` $(nproc), \`uname -r\` $(uname -r), Python $("$VENV_BIN/python" -c 'import platform; print(platform.python_version())'),"
  echo "wrk $(wrk --version 2>&1 | head -1 | awk '{print $2}'), Chromium $(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}'));"
  echo "load average at the start: $(loadavg). Raw output: \`bench/results/$STAMP/\`."
} >"$LATEST"
cat "$LATEST"
echo
case "$(awk '{print ($1 > 1.0)}' /proc/loadavg)" in
  1) log "load average $(loadavg): other work is running on this machine; numbers will be lower" ;;
esac

FAILED=()
run_one() { # name command...
  local name=$1; shift
  local md=$BENCH_OUT/$name.md errlog=$BENCH_OUT/$name.log t0 rc
  t0=$(date +%s)
  log "== $name: $* (load average $(loadavg))"
  "$@" >"$md" 2> >(tee "$errlog" >&2)
  rc=$?
  wait 2>/dev/null || true
  { echo; cat "$md"; } | tee -a "$LATEST"
  if [ "$rc" -ne 0 ]; then
    FAILED+=("$name")
    printf '\n**%s failed (exit %s)**: see bench/results/%s/%s.log\n' "$name" "$rc" "$STAMP" "$name" \
      | tee -a "$LATEST"
  fi
  printf '\n_%s: %ss; load average at the end %s_\n' "$name" "$(( $(date +%s) - t0 ))" "$(loadavg)" \
    | tee -a "$LATEST"
}

run_one page_weights "$VENV_BIN/python" "$BENCH_DIR/page_weights.py"
run_one slowlink "$VENV_BIN/python" "$BENCH_DIR/slowlink.py"
run_one lighthouse "$VENV_BIN/python" "$BENCH_DIR/lighthouse.py"
run_one peer_and_rps bash "$BENCH_DIR/peer.sh"
run_one launch "$VENV_BIN/python" "$BENCH_DIR/launch.py"

printf '\nAll benchmarks: %ss.%s\n' "$(( $(date +%s) - START ))" \
  "${FAILED[*]:+ Failed: ${FAILED[*]}.}" | tee -a "$LATEST"
log "tables written to $LATEST"
[ ${#FAILED[@]} -eq 0 ]
