# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5055
WORKERS ?= 2
THREADS ?= 1
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
export FLASK_APP := wsgi
# Chromium writes its profile and caches here, never into $HOME.
export XDG_CONFIG_HOME := $(CURDIR)/.cache/xdg-config
export XDG_CACHE_HOME := $(CURDIR)/.cache/xdg-cache

.PHONY: install assets chromium checkers run qa serve bench scan test test-sqlite test-postgres lint

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(BIN)/.installed

# htmx and focus.js as the one script a page loads (committed; a test checks it is current):
# on a slow link a first visit's second request costs a round trip's share of the line.
static/js/store.js: static/js/htmx-4.0.1.min.js static/js/focus.js
	{ cat static/js/htmx-4.0.1.min.js; printf '\n'; cat static/js/focus.js; } > $@

# Content-hashed, precompressed copies of static/ (git-ignored), served by WhiteNoise.
assets: install static/js/store.js
	$(BIN)/flask digest compile >/dev/null

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the end-to-end tests"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi; }

# The checkers of tests/checks and bench/ (axe-core, vnu-jar, lighthouse), pinned by
# package-lock.json, into node_modules/ (git-ignored); vnu-jar needs Java (Debian's JRE).
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
	  echo "installing Debian's Node.js and npm for the page checkers"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq nodejs npm; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq nodejs npm; fi; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

checkers: node_modules/.installed
	@command -v java >/dev/null 2>&1 || { \
	  echo "installing Debian's Java runtime for the Nu Html Checker"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq default-jre-headless; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq default-jre-headless; fi; }

## run: the demo store on http://127.0.0.1:5000 (SQLite, seeded)
run: install assets
	$(BIN)/flask migrate
	$(BIN)/flask seed
	$(BIN)/flask run --host 127.0.0.1 --port 5000

## qa PORT=N: a QA instance on a fresh SQLite file, QA mode, demo data
qa: install assets
	rm -f instance/qa-$(PORT).db instance/qa-$(PORT)-huey.db
	STOREFRONT_QA_MODE=1 STOREFRONT_DATABASE_URL=sqlite:///instance/qa-$(PORT).db \
	  STOREFRONT_HUEY_SQLITE_PATH=instance/qa-$(PORT)-huey.db $(BIN)/flask migrate
	STOREFRONT_QA_MODE=1 STOREFRONT_DATABASE_URL=sqlite:///instance/qa-$(PORT).db \
	  STOREFRONT_HUEY_SQLITE_PATH=instance/qa-$(PORT)-huey.db $(BIN)/flask seed
	STOREFRONT_QA_MODE=1 STOREFRONT_DATABASE_URL=sqlite:///instance/qa-$(PORT).db \
	  STOREFRONT_HUEY_SQLITE_PATH=instance/qa-$(PORT)-huey.db \
	  STOREFRONT_BASE_URL=$${STOREFRONT_BASE_URL:-http://127.0.0.1:$(PORT)} \
	  $(BIN)/gunicorn --workers $(WORKERS) --worker-class gthread --threads 4 \
	  --no-control-socket --bind 127.0.0.1:$(PORT) wsgi:app

## serve PORT=N WORKERS=W [THREADS=T]: the demo store under gunicorn, production settings
## (SQLite); sync workers, or gthread workers of T threads when THREADS > 1
serve: install assets
	rm -f instance/serve-$(PORT).db
	STOREFRONT_DATABASE_URL=sqlite:///instance/serve-$(PORT).db $(BIN)/flask migrate
	STOREFRONT_DATABASE_URL=sqlite:///instance/serve-$(PORT).db $(BIN)/flask seed
	STOREFRONT_ENV=production STOREFRONT_SECRET_KEY=$${STOREFRONT_SECRET_KEY:-$$(openssl rand -hex 32)} \
	  STOREFRONT_BASE_URL=$${STOREFRONT_BASE_URL:-http://127.0.0.1:$(PORT)} \
	  STOREFRONT_PAYMENT_GATEWAY=$${STOREFRONT_PAYMENT_GATEWAY:-stripe} \
	  STOREFRONT_STRIPE_SECRET_KEY=$${STOREFRONT_STRIPE_SECRET_KEY:-sk_test_set_your_own} \
	  STOREFRONT_DATABASE_URL=sqlite:///instance/serve-$(PORT).db \
	  $(BIN)/gunicorn --workers $(WORKERS) --threads $(THREADS) --timeout 60 \
	  --no-control-socket --bind 127.0.0.1:$(PORT) wsgi:app

## bench: page weights, requests per second, the peer comparison, the preorder launch
bench: install chromium checkers
	bash bench/run.sh

## scan: wapiti and sqlmap (Debian, installed when missing) against a QA instance signed in as
## a customer; report in bench/results/ (a tool run, not part of `make test`)
scan: install assets
	bash bench/scan.sh

## test: ruff and mypy, the whole suite on SQLite (end-to-end included), then the database
## tests on PostgreSQL
test: install chromium checkers lint test-sqlite test-postgres

test-sqlite: install assets checkers
	$(BIN)/python -m pytest

test-postgres: install
	STOREFRONT_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest tests/unit tests/web \
	  tests/reliability tests/security

lint: install
	$(BIN)/python -m ruff check storefront tests bench
	$(BIN)/python -m mypy
	$(BIN)/lint-imports
