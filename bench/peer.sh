#!/usr/bin/env bash
# bench/peer.sh -- the peer comparison: django-oscar's product page, then ours, in one run.
#
#   bash bench/peer.sh
#
# 1. installs django-oscar (pinned, from PyPI) in a venv of its own under $PEER_DIR,
#    writes a minimal oscar project, migrates it and seeds a small catalogue
#    (the recipe of ../shared/bench/peer_oscar.sh, copied here);
# 2. serves it under gunicorn (2 sync workers, as in that recipe) and measures its product
#    page with wrk (-t2 -c16 -d15s --latency after a 3 s warm-up), then stops it;
# 3. right after, runs bench/rps.sh: our product page, our catalogue and a Flask+Jinja
#    hello-world page with the same wrk settings;
# 4. prints the table and the ratios against the issue's targets
#    (ours >= 10x oscar, ours >= 30% of hello, our p99 < 50 ms at 16 connections).
#
# Tunables (env): PEER_DIR BENCH_OUT PIP_SPECS N_PRODUCTS OSCAR_WORKER_CLASS PYTHON, and the
# wrk settings of bench/lib.sh (WRK_THREADS WRK_CONNS WRK_DURATION WARMUP_DURATION WORKERS).
# The oscar venv and project are kept in $PEER_DIR between runs (a re-run skips the install).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PEER_DIR=${PEER_DIR:-/tmp/storefront-bench-oscar}
BENCH_OUT=${BENCH_OUT:-$ROOT/bench/results/peer-$(date +%Y%m%d-%H%M%S)}
N_PRODUCTS=${N_PRODUCTS:-50}
OSCAR_WORKER_CLASS=${OSCAR_WORKER_CLASS:-sync}
PYTHON=${PYTHON:-python3}
# The versions peer_oscar.sh recorded its anchor with; override to re-baseline.
PIP_SPECS=${PIP_SPECS:-"django-oscar==4.2.1 Django==5.2.19 gunicorn==27.0.1 whitenoise==6.12.0 sorl-thumbnail==12.11.0 Whoosh==2.7.4"}

VENV=$PEER_DIR/venv
PY=$VENV/bin/python
PROJ=$PEER_DIR/shop
LOGS=$PEER_DIR/logs
mkdir -p "$PEER_DIR" "$LOGS" "$BENCH_OUT"
export BENCH_OUT

trap stop_started EXIT
trap 'stop_started; exit 130' INT TERM

ensure_wrk
command -v curl >/dev/null || { log "curl is required"; exit 1; }

# ------------------------------------------------------------------ venv (kept between runs)
STAMP_FILE=$VENV/.bench-specs
if [ ! -x "$PY" ] || [ "$(cat "$STAMP_FILE" 2>/dev/null)" != "$PIP_SPECS" ]; then
  log "installing $PIP_SPECS into $VENV (first run only)"
  [ -x "$PY" ] || "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip >"$LOGS/pip.log" 2>&1 || { cat "$LOGS/pip.log" >&2; exit 1; }
  # shellcheck disable=SC2086
  "$VENV/bin/pip" install -q $PIP_SPECS >>"$LOGS/pip.log" 2>&1 || { cat "$LOGS/pip.log" >&2; exit 1; }
  echo "$PIP_SPECS" >"$STAMP_FILE"
fi

# ------------------------------------------------------------------ oscar project
# Files below follow ../shared/bench/peer_oscar.sh (oscar's "Building your own shop" guide),
# including its notes on SQLite locking and on the haystack backend.
mkdir -p "$PROJ/peershop"
cat >"$PROJ/manage.py" <<'EOF'
#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peershop.settings")
    from django.core.management import execute_from_command_line
    execute_from_command_line(sys.argv)
EOF
: >"$PROJ/peershop/__init__.py"

cat >"$PROJ/peershop/settings.py" <<'EOF'
"""Minimal shop on django-oscar, following oscar's 'Building your own shop' guide.
Production-ish: DEBUG off, static files via whitenoise (compressed + hashed names)."""
import os
from pathlib import Path

from oscar import INSTALLED_APPS as OSCAR_APPS   # oscar's own app list
from oscar.defaults import *  # noqa: F401,F403  (OSCAR_* defaults, as the guide says)

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "peer-benchmark-only-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
SITE_ID = 1

# oscar's list + the thumbnailer its default OSCAR_THUMBNAILER expects (sorl-thumbnail)
INSTALLED_APPS = list(OSCAR_APPS) + ["sorl.thumbnail"]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "oscar.apps.basket.middleware.BasketMiddleware",
    "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware",
]

ROOT_URLCONF = "peershop.urls"
WSGI_APPLICATION = "peershop.wsgi.application"

TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [BASE_DIR / "templates"],
    "APP_DIRS": True,   # with DEBUG off Django wraps loaders in the cached loader
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.debug",
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.template.context_processors.i18n",
        "django.contrib.messages.context_processors.messages",
        "oscar.apps.search.context_processors.search_form",
        "oscar.apps.checkout.context_processors.checkout",
        "oscar.apps.communication.notifications.context_processors.notifications",
        "oscar.core.context_processors.metadata",
    ]},
}]

DATABASES = {"default": {
    "ENGINE": "django.db.backends.sqlite3",
    "NAME": BASE_DIR / "db.sqlite3",
    # The guide recommends ATOMIC_REQUESTS=True. With SQLite's DEFERRED transactions and 2
    # worker processes, the analytics counter UPDATE every product-page view runs becomes a
    # read->write lock upgrade that fails at once with "database is locked" (~5% HTTP 500
    # at 16 connections). Hence BEGIN IMMEDIATE, WAL, a 20 s busy timeout and per-query
    # autocommit, so read-only views never take the write lock (peer_oscar.sh's finding;
    # PEER_ATOMIC_REQUESTS=1 restores the guide's setting).
    "ATOMIC_REQUESTS": os.environ.get("PEER_ATOMIC_REQUESTS") == "1",
    "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL;"},
}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

AUTHENTICATION_BACKENDS = (
    "oscar.apps.customer.auth_backends.EmailBackend",
    "django.contrib.auth.backends.ModelBackend",
)

# The guide's "simple" haystack backend turns oscar 4.2's browse query into an icontains
# search for the text "['standalone', 'parent']", so /catalogue/ lists ZERO products.
# Whoosh (pure Python, in oscar's own test extras) makes the list page really list them.
if os.environ.get("PEER_SEARCH", "whoosh") == "simple":
    HAYSTACK_CONNECTIONS = {"default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"}}
else:
    HAYSTACK_CONNECTIONS = {"default": {
        "ENGINE": "haystack.backends.whoosh_backend.WhooshEngine",
        "PATH": str(BASE_DIR / "whoosh_index"),
    }}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static_root"
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

OSCAR_SHOP_NAME = "Peer shop"
OSCAR_INITIAL_ORDER_STATUS = "Pending"
OSCAR_INITIAL_LINE_STATUS = "Pending"
OSCAR_ORDER_STATUS_PIPELINE = {
    "Pending": ("Being processed", "Cancelled"),
    "Being processed": ("Processed", "Cancelled"),
    "Cancelled": (),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR"}},
}
EOF

cat >"$PROJ/peershop/urls.py" <<'EOF'
from django.apps import apps
from django.conf import settings
from django.urls import include, path, re_path
from django.views.static import serve

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    # product thumbnails (placeholders here); static assets are served by whitenoise
    re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    path("", include(apps.get_app_config("oscar").urls[0])),
]
EOF

cat >"$PROJ/peershop/wsgi.py" <<'EOF'
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peershop.settings")
application = get_wsgi_application()
EOF

cat >"$PROJ/seed_catalogue.py" <<'EOF'
"""One product class, a two-level category, a partner and N products with stock records.
Idempotent. Prints the paths to benchmark as KEY=VALUE lines."""
import os
import sys
from decimal import Decimal

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peershop.settings")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
django.setup()

from django.contrib.sites.models import Site  # noqa: E402
from django.db import transaction  # noqa: E402
from django.urls import reverse  # noqa: E402
from oscar.core.loading import get_model  # noqa: E402

ProductClass = get_model("catalogue", "ProductClass")
Product = get_model("catalogue", "Product")
Category = get_model("catalogue", "Category")
ProductCategory = get_model("catalogue", "ProductCategory")
Partner = get_model("partner", "Partner")
StockRecord = get_model("partner", "StockRecord")

n = int(os.environ.get("N_PRODUCTS", "50"))
blurb = ("A sample product used to anchor storefront performance. "
         "It has a price, a stock record and sits in one category. ") * 4

with transaction.atomic():
    Site.objects.update_or_create(pk=1, defaults={"domain": "127.0.0.1", "name": "Peer shop"})
    pclass, _ = ProductClass.objects.get_or_create(
        slug="book", defaults={"name": "Book", "requires_shipping": True, "track_stock": True})
    root = Category.get_root_nodes().filter(name="Books").first() or Category.add_root(name="Books")
    leaf = root.get_children().filter(name="Fiction").first() or root.add_child(name="Fiction")
    partner, _ = Partner.objects.get_or_create(name="Peer Warehouse")
    have = Product.objects.filter(upc__startswith="PEER").count()
    for i in range(have, n):
        product = Product.objects.create(
            product_class=pclass, structure=Product.STANDALONE,
            title=f"Benchmark book {i + 1:03d}", upc=f"PEER{i:05d}", description=blurb)
        ProductCategory.objects.create(product=product, category=leaf)
        StockRecord.objects.create(
            product=product, partner=partner, partner_sku=f"SKU-{i:05d}",
            price=Decimal("9.99") + i, price_currency="GBP", num_in_stock=1000)

first = Product.objects.filter(upc__startswith="PEER").order_by("upc").first()
print(f"PRODUCTS={Product.objects.count()}")
print(f"DETAIL_PATH={first.get_absolute_url()}")
print(f"LIST_PATH={reverse('catalogue:index')}")
EOF

cd "$PROJ"
log "oscar: migrate, collectstatic, seed $N_PRODUCTS products, search index"
"$PY" manage.py migrate --noinput >"$LOGS/migrate.log" 2>&1 || { cat "$LOGS/migrate.log" >&2; exit 1; }
"$PY" manage.py collectstatic --noinput >"$LOGS/collectstatic.log" 2>&1 || { cat "$LOGS/collectstatic.log" >&2; exit 1; }
N_PRODUCTS=$N_PRODUCTS "$PY" seed_catalogue.py >"$BENCH_OUT/oscar_seed.env" 2>"$LOGS/seed.log" \
  || { cat "$LOGS/seed.log" >&2; exit 1; }
"$PY" manage.py rebuild_index --noinput >"$LOGS/rebuild_index.log" 2>&1 || { cat "$LOGS/rebuild_index.log" >&2; exit 1; }
cd "$ROOT"
# shellcheck disable=SC1091
. "$BENCH_OUT/oscar_seed.env"

# ------------------------------------------------------------------ oscar's product page
PORT=$(free_port)
O=http://127.0.0.1:$PORT
log "oscar under gunicorn ($WORKERS $OSCAR_WORKER_CLASS workers) on $O"
"$VENV/bin/gunicorn" --chdir "$PROJ" --workers "$WORKERS" --worker-class "$OSCAR_WORKER_CLASS" \
    --no-control-socket --bind "127.0.0.1:$PORT" --log-level warning peershop.wsgi:application \
    >"$LOGS/oscar.log" 2>&1 &
OSCAR_PID=$!
STARTED_PIDS+=("$OSCAR_PID")
wait_up "$O$LIST_PATH" 60
check200 "$O$DETAIL_PATH"
LISTED=$(curl -s "$O$LIST_PATH" | grep -c 'class="product_pod"' || true)
[ "$LISTED" -gt 0 ] || { log "oscar's catalogue lists no products: the seed did not work"; exit 1; }
curl -s "$O$DETAIL_PATH" | grep -q "Benchmark book 001" || { log "oscar's product page lacks the product"; exit 1; }
log "oscar: $PRODUCTS products, its catalogue page lists $LISTED; product page $DETAIL_PATH"
measure oscar_product "$O$DETAIL_PATH" "$BENCH_OUT"
stop_pid "$OSCAR_PID"
if grep -q "Traceback" "$LOGS/oscar.log"; then log "oscar's log has tracebacks: $LOGS/oscar.log"; fi
printf 'oscar_versions=%s\n' "$("$VENV/bin/pip" freeze | grep -iE '^(django|django-oscar|gunicorn)==' | tr '\n' ' ')" \
  >"$BENCH_OUT/oscar_versions.txt"

# ------------------------------------------------------------------ ours, right after
RPS_TABLE=$BENCH_OUT/rps.md
bash "$BENCH_DIR/rps.sh" >"$RPS_TABLE"
cat "$RPS_TABLE"
echo

# ------------------------------------------------------------------ the comparison
"$VENV_BIN/python" - "$BENCH_OUT" "$OSCAR_WORKER_CLASS" "$WORKERS" \
    "wrk -t$WRK_THREADS -c$WRK_CONNS -d$WRK_DURATION --latency (after a $WARMUP_DURATION warm-up)" \
    "$(machine_line)" <<'EOF'
import json
import os
import sys

out, oscar_class, workers, load, machine = sys.argv[1:6]
def get(key):
    with open(os.path.join(out, key + ".json")) as fh:
        return json.load(fh)

versions = open(os.path.join(out, "oscar_versions.txt")).read().split("=", 1)[1].strip()
oscar, ours, hello = get("oscar_product"), get("ours_product"), get("hello")
threaded = get("ours_product_gthread")
returning = get("ours_product_session")
print(f"### Peer comparison ({machine})")
print()
print(f"{load}, gunicorn {workers} workers on 127.0.0.1; oscar measured just before ours. ")
print(f"oscar: {versions}, {oscar_class} workers, SQLite, whitenoise (its recipe); "
      "ours and hello: sync workers (as `make serve`).")
print()
print("| server | page | req/s | p50 ms | p99 ms | errors |")
print("| --- | --- | ---: | ---: | ---: | ---: |")
for name, page, r in (("django-oscar (sync workers)", "product page", oscar),
                      ("storefront (sync workers, as `make serve`)", "product page, first visit",
                       ours),
                      ("storefront (sync workers)", "product page, a shopper with a cart",
                       returning),
                      ("Flask + Jinja hello (sync workers)", "/", hello),
                      ("storefront (gthread, 4 threads)", "product page", threaded)):
    print(f"| {name} | {page} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['errors']} |")
print()
ratio_oscar = ours["rps"] / oscar["rps"] if oscar["rps"] else float("inf")
ratio_hello = ours["rps"] / hello["rps"] if hello["rps"] else 0.0
ok = lambda b: "yes" if b else "**no**"
print("| target | measured | goal | met |")
print("| --- | ---: | ---: | --- |")
print(f"| ours / oscar, product page req/s | {ratio_oscar:.1f}x | >= 10x | {ok(ratio_oscar >= 10)} |")
print(f"| ours / hello, req/s | {ratio_hello:.0%} | >= 30% | {ok(ratio_hello >= 0.30)} |")
print(f"| our product page p99 at {load.split()[2][2:]} connections | {ours['p99']:.1f} ms | < 50 ms "
      f"| {ok(ours['p99'] < 50)} |")
errors = sum(r["errors"] for r in (oscar, ours, hello, threaded, returning))
print(f"| errors (non-2xx/3xx + socket) | {errors} | 0 | {ok(errors == 0)} |")
print()
print(f"A shopper with a cart (the page rendered each time, no page cache): ours / oscar "
      f"{returning['rps'] / oscar['rps'] if oscar['rps'] else float('inf'):.1f}x, "
      f"our p99 {returning['p99']:.1f} ms.")
print()
print(f"With gthread workers of 4 threads (`make serve THREADS=4`): ours / oscar "
      f"{threaded['rps'] / oscar['rps'] if oscar['rps'] else float('inf'):.1f}x, "
      f"our p99 {threaded['p99']:.1f} ms.")
EOF
