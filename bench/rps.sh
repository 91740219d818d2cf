#!/usr/bin/env bash
# bench/rps.sh -- requests per second with wrk, in one run:
#   our product page /products/aurora-knight-figure, our catalogue /, the product page again
#   with "Accept-Encoding: br, gzip" (what a browser gets: compression costs CPU), a
#   Flask + Jinja hello-world page (bench/hello) as the yardstick, and last the product page
#   once more under gunicorn's gthread workers with 4 threads (`make serve THREADS=4`).
#   A first visit (no cookies) gets the product page from the page cache; the row "with a
#   cart" sends the session cookie of a shopper with the product in the cart, whose pages
#   are rendered each time.
#
#   bash bench/rps.sh
#
# Our store runs as `make serve` runs it: fresh SQLite file with the demo data, production
# settings, gunicorn with $WORKERS (2) sync workers on 127.0.0.1; the hello app runs under
# the very same gunicorn command. Each page: 3 s warm-up, then
# wrk -t2 -c16 -d15s --latency. Prints a Markdown table (req/s, p50, p99, errors) and
# leaves the raw wrk output and JSON in $BENCH_OUT.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BENCH_OUT=${BENCH_OUT:-$ROOT/bench/results/rps-$(date +%Y%m%d-%H%M%S)}
PRODUCT_PATH=${PRODUCT_PATH:-/products/aurora-knight-figure}
mkdir -p "$BENCH_OUT"
WORK=$(mktemp -d /tmp/storefront-bench-rps.XXXXXX)
trap 'stop_started; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

ensure_wrk
# as `make serve`: sync workers (THREADS=1); the last row uses THREADS=4 (gthread)
GUNICORN_ARGS=(--workers "$WORKERS" --threads 1 --timeout 60 --no-control-socket)

# ------------------------------------------------------------------ our store, as `make serve`
export FLASK_APP=wsgi
export STOREFRONT_DATABASE_URL="sqlite:///$WORK/serve.db"
export STOREFRONT_HUEY_SQLITE_PATH="$WORK/huey.db"
unset STOREFRONT_QA_MODE STOREFRONT_ENV
log "our store: migrate and seed a fresh SQLite file"
(cd "$ROOT" && "$VENV_BIN/flask" migrate && "$VENV_BIN/flask" seed) >"$WORK/setup.log" 2>&1 \
  || { cat "$WORK/setup.log" >&2; exit 1; }
OURS_PORT=$(free_port)
(cd "$ROOT" && STOREFRONT_ENV=production STOREFRONT_SECRET_KEY=$(openssl rand -hex 32) \
  STOREFRONT_BASE_URL=http://shop.example \
  STOREFRONT_PAYMENT_GATEWAY=stripe STOREFRONT_STRIPE_SECRET_KEY=sk_test_bench_no_payments \
  exec "$VENV_BIN/gunicorn" "${GUNICORN_ARGS[@]}" --bind "127.0.0.1:$OURS_PORT" wsgi:app) \
  >"$WORK/ours.log" 2>&1 &
STARTED_PIDS+=("$!")

THREADED_PORT=$(free_port)
(cd "$ROOT" && STOREFRONT_ENV=production STOREFRONT_SECRET_KEY=$(openssl rand -hex 32) \
  STOREFRONT_BASE_URL=http://shop.example \
  STOREFRONT_PAYMENT_GATEWAY=stripe STOREFRONT_STRIPE_SECRET_KEY=sk_test_bench_no_payments \
  exec "$VENV_BIN/gunicorn" --workers "$WORKERS" --threads 4 --timeout 60 --no-control-socket \
  --bind "127.0.0.1:$THREADED_PORT" wsgi:app) >"$WORK/ours-gthread.log" 2>&1 &
STARTED_PIDS+=("$!")

HELLO_PORT=$(free_port)
"$VENV_BIN/gunicorn" "${GUNICORN_ARGS[@]}" --chdir "$BENCH_DIR/hello" --bind "127.0.0.1:$HELLO_PORT" \
  app:app >"$WORK/hello.log" 2>&1 &
STARTED_PIDS+=("$!")

S=http://127.0.0.1:$OURS_PORT
H=http://127.0.0.1:$HELLO_PORT
wait_up "$S/" 60 || { tail -50 "$WORK/ours.log" >&2; exit 1; }
wait_up "$H/" 30 || { tail -50 "$WORK/hello.log" >&2; exit 1; }
wait_up "http://127.0.0.1:$THREADED_PORT/" 60 || { tail -50 "$WORK/ours-gthread.log" >&2; exit 1; }
check200 "$S$PRODUCT_PATH" || { tail -50 "$WORK/ours.log" >&2; exit 1; }

BR=(-H "Accept-Encoding: br, gzip")
# what one answer weighs, for the table (body bytes as sent)
size_of() { curl -s -o /dev/null -w '%{size_download}' "$@"; }
OURS_PRODUCT_BYTES=$(size_of "$S$PRODUCT_PATH")
OURS_PRODUCT_BR_BYTES=$(size_of "${BR[@]}" "$S$PRODUCT_PATH")
OURS_CATALOGUE_BYTES=$(size_of "$S/")
# a shopper: the session cookie of a visitor who has put the product in the cart (such a
# session's pages are rendered every time, never kept by the page cache)
session_cookie() { sed -n 's/^[Ss]et-[Cc]ookie: \(session=[^;]*\).*/\1/p' "$1" | head -1; }
curl -s -D "$WORK/first.h" -o "$WORK/first.html" "$S$PRODUCT_PATH"
TOKEN=$(sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' "$WORK/first.html" | head -1)
curl -s -o /dev/null -D "$WORK/add.h" -H "Cookie: $(session_cookie "$WORK/first.h")" \
  --data-urlencode "csrf_token=$TOKEN" -d "slug=${PRODUCT_PATH##*/}" -d quantity=1 "$S/cart/add"
SESSION_COOKIE=$(session_cookie "$WORK/add.h")
[ -n "$TOKEN" ] && [ -n "$SESSION_COOKIE" ] || { log "could not put the product in a cart"; exit 1; }
OURS_SESSION_BYTES=$(size_of -H "Cookie: $SESSION_COOKIE" "$S$PRODUCT_PATH")
curl -s -H "Cookie: $SESSION_COOKIE" "$S$PRODUCT_PATH" | grep -q 'data-testid="cart-count">1<' \
  || { log "the shopper's product page does not show the cart"; exit 1; }
HELLO_BYTES=$(size_of "$H/")

# Our product page first: bench/peer.sh measures oscar's just before this script.
measure ours_product "$S$PRODUCT_PATH" "$BENCH_OUT"
measure ours_product_session "$S$PRODUCT_PATH" "$BENCH_OUT" -H "Cookie: $SESSION_COOKIE"
measure ours_catalogue "$S/" "$BENCH_OUT"
measure ours_product_br "$S$PRODUCT_PATH" "$BENCH_OUT" "${BR[@]}"
measure hello "$H/" "$BENCH_OUT"
measure ours_product_gthread "http://127.0.0.1:$THREADED_PORT$PRODUCT_PATH" "$BENCH_OUT"
stop_started
for server_log in "$WORK/ours.log" "$WORK/ours-gthread.log"; do
  if grep -q "Traceback" "$server_log"; then
    log "our server logged tracebacks:"; grep -A30 -m1 "Traceback" "$server_log" >&2
  fi
done

"$VENV_BIN/python" - "$BENCH_OUT" "$(machine_line)" "$WORKERS" \
  "wrk -t$WRK_THREADS -c$WRK_CONNS -d$WRK_DURATION --latency (after a $WARMUP_DURATION warm-up)" \
  "$PRODUCT_PATH" "$OURS_PRODUCT_BYTES" "$OURS_CATALOGUE_BYTES" "$OURS_PRODUCT_BR_BYTES" \
  "$HELLO_BYTES" "$OURS_PRODUCT_BYTES" "$OURS_SESSION_BYTES" <<'EOF'
import json
import os
import sys

out, machine, workers, load, product = sys.argv[1:6]
sizes = dict(zip(("ours_product", "ours_catalogue", "ours_product_br", "hello",
                  "ours_product_gthread", "ours_product_session"), sys.argv[6:12]))
rows = (("ours_product", f"storefront product page `{product}`, first visit"),
        ("ours_product_session", "storefront product page, a shopper with a cart (rendered "
                                 "each time)"),
        ("ours_catalogue", "storefront catalogue `/`"),
        ("ours_product_br", "storefront product page, `Accept-Encoding: br, gzip`"),
        ("hello", "Flask + Jinja hello world `/`"),
        ("ours_product_gthread", "storefront product page, gunicorn **gthread** workers "
                                 "(2 x 4 threads, `make serve THREADS=4`)"))
print(f"### Requests per second ({machine})")
print()
print(f"{load}; gunicorn {workers} sync workers on 127.0.0.1 (as `make serve`; the last row: "
      "gthread workers of 4 threads), production settings, demo data on SQLite. A visitor "
      "without cookies, so the product and catalogue pages come from the page cache "
      "(STOREFRONT_PAGE_CACHE_SECONDS, 2 s), as on a first visit; the shopper row sends the "
      "session cookie of a cart holding the product, so that page is rendered each time.")
print()
print("| page | body bytes | req/s | p50 ms | p99 ms | errors |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
for key, label in rows:
    with open(os.path.join(out, key + ".json")) as fh:
        r = json.load(fh)
    p50 = f"{r['p50']:.1f}" if r["p50"] is not None else "-"
    p99 = f"{r['p99']:.1f}" if r["p99"] is not None else "-"
    print(f"| {label} | {sizes[key]} | {r['rps']:.0f} | {p50} | {p99} | {r['errors']} |")
EOF
