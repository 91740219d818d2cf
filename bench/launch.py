"""The preorder launch: 200 customers race for a product capped at 100 units, on PostgreSQL.

    .venv/bin/python bench/launch.py [--customers 200] [--stock 100] [--workers 4]

1. creates a fresh PostgreSQL database `sf_bench_<random>` on $BENCH_PG_URL's server
   (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres), then `flask migrate`,
   `flask seed`, and `flask staff set-product aurora-knight-figure --stock 100
   --per-order-limit 1`;
2. creates the customer accounts in this one process with the app's own services
   (`accounts.create_user`, `addresses.add`); every account gets the same real scrypt hash
   of the password, computed once, so logging in costs what it costs in production;
3. starts gunicorn with 4 workers (gthread, 4 threads) in QA mode (the test payment gateway)
   on that database, with STOREFRONT_LOGIN_RATE_LIMIT="10000 per minute" (all customers
   come from 127.0.0.1);
4. one thread per customer, over plain HTTP like a browser without JavaScript (GET a page,
   read its `csrf_token`, POST the form): log in, add the product, proceed, the shipping,
   payment and billing steps, open the confirm page (at most 16 customers at a time);
   then all wait at a barrier and press "Confirm Order" at the same moment;
5. prints what happened (orders created, customers told it is sold out, server
   errors, the confirm requests' throughput and latency percentiles, total time), checks
   the database (orders, stock left), stops the server and drops the database.

Exit status 1 when the launch went wrong (not exactly `stock` orders, or a server error).
"""
from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import psycopg
import requests
from benchserver import Gunicorn, flask, machine_line
from sqlalchemy.engine import make_url

SLUG = "aurora-knight-figure"
PASSWORD = "Qa-Passw0rd!"
ADDRESS = {"full_name": "Sam Lee", "line1": "1 Main Street", "city": "Springfield",
           "state": "IL", "postal_code": "62701", "country": "US", "phone": ""}
CARD = {"method": "card", "card_number": "4242 4242 4242 4242", "card_expiry": "12/39",
        "card_cvc": "123", "card_name": "Launch Customer"}
SOLD_OUT = 'data-code="out_of_stock"'  # the refusal's stable code on the flash
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def log(message: str) -> None:
    print(f"[launch {datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html)
    if not found:
        raise ValueError(f"no hidden field {name}")
    return found.group(1)


# --------------------------------------------------------------------------- database

class Database:
    """A database of its own on the PostgreSQL server, dropped at the end."""

    def __init__(self, server_url: str) -> None:
        base = make_url(server_url)
        self.name = f"sf_bench_{secrets.token_hex(4)}"
        self.admin_dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)
        self.url = base.set(database=self.name).render_as_string(hide_password=False)

    def __enter__(self) -> Database:
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            log(f"dropped database {self.name}")
        except psycopg.Error as error:
            log(f"could not drop database {self.name}: {error}")

    def _dsn(self) -> str:
        return make_url(self.url).set(drivername="postgresql").render_as_string(
            hide_password=False)

    def query(self, sql: str, *args: object) -> list[tuple]:
        with psycopg.connect(self._dsn()) as conn:
            return conn.execute(sql, args).fetchall()

    def execute(self, sql: str, *args: object) -> None:
        with psycopg.connect(self._dsn()) as conn:
            conn.execute(sql, args)


# --------------------------------------------------------------------------- the store

def create_customers(url: str, count: int, folder: str) -> list[str]:
    """`count` US customers with one saved address, in one process, in one transaction."""
    from werkzeug.security import generate_password_hash

    from storefront import create_app
    from storefront.extensions import db
    from storefront.services import accounts, addresses

    app = create_app({"DATABASE_URL": url, "QA_MODE": True,
                      "HUEY_SQLITE_PATH": os.path.join(folder, "huey-setup.db")})
    # One real (scrypt) hash for everybody, computed once; accounts are created with the
    # cheapest hash (HASH_METHOD is the services' knob for that) and then given the real one.
    real_method = getattr(accounts, "HASH_METHOD", "scrypt")
    one_hash = generate_password_hash(PASSWORD, method=real_method)
    emails = [f"launch{i:04d}@example.com" for i in range(count)]
    accounts.HASH_METHOD = "pbkdf2:sha256:1"
    try:
        with app.app_context():
            session = db.session
            for email in emails:
                person = accounts.create_user(session, email=email, password=PASSWORD,
                                              region="US")
                person.password_hash = one_hash
                addresses.save_new(session, person, ADDRESS)
            session.commit()
            db.session.remove()
            db.engine.dispose()
    finally:
        accounts.HASH_METHOD = real_method
    return emails


# --------------------------------------------------------------------------- customers

@dataclass
class Customer:
    email: str
    base: str
    statuses: Counter = field(default_factory=Counter)
    ready: bool = False
    problem: str = ""
    confirm_status: int = 0
    confirm_ms: float = 0.0
    confirm_start: float = 0.0
    confirm_end: float = 0.0
    outcome: str = ""          # ordered | sold out | other
    message: str = ""
    form: dict = field(default_factory=dict)
    prep_requests: int = 0
    resent: bool = False       # "Confirm Order" sent again after a dropped connection

    def __post_init__(self) -> None:
        self.http = requests.Session()
        self.http.trust_env = False  # straight to 127.0.0.1, whatever proxy is set
        self.token = ""

    def _note(self, response: requests.Response) -> requests.Response:
        for hop in [*response.history, response]:
            self.statuses[hop.status_code] += 1
        found = CSRF_RE.search(response.text or "")
        if found:
            self.token = found.group(1)
        return response

    def get(self, path: str) -> requests.Response:
        return self._note(self.http.get(self.base + path, timeout=60))

    def post(self, path: str, data: dict) -> requests.Response:
        return self._note(self.http.post(self.base + path, data={"csrf_token": self.token,
                                                                 **data}, timeout=60))

    def expect(self, response: requests.Response, path_start: str, what: str) -> str:
        path = response.url.removeprefix(self.base)
        if response.status_code != 200 or not path.startswith(path_start):
            raise RuntimeError(f"{what}: {response.status_code} at {path}")
        return response.text

    def prepare(self) -> None:
        """Up to the confirm page, through the same forms a browser without JS posts."""
        self.get("/login")
        self.expect(self.post("/login", {"email": self.email, "password": PASSWORD}),
                    "/account", "log in")
        self.get(f"/products/{SLUG}")
        self.expect(self.post("/cart/add", {"slug": SLUG, "quantity": "1"}), "/cart",
                    "add to cart")
        # "Proceed to purchase" answers with the first step still to do, at /checkout/ itself
        page = self.expect(self.get("/checkout/"), "/checkout/", "proceed")
        if 'data-testid="shipping-step"' not in page:
            raise RuntimeError("proceed: no shipping step at /checkout/")
        address_id = re.search(r'data-address-id="(\d+)"', page).group(1)
        self.expect(self.post("/checkout/shipping", {"address_id": address_id}),
                    "/checkout/payment", "shipping step")
        self.expect(self.post("/checkout/payment", CARD), "/checkout/billing", "payment step")
        page = self.expect(self.post("/checkout/billing", {"billing": "same"}),
                           "/checkout/confirm", "billing step")
        self.form = {"checkout": hidden(page, "checkout"), "seen": hidden(page, "seen")}
        self.ready = True
        self.prep_requests = sum(self.statuses.values())

    def confirm(self) -> None:
        """Press "Confirm Order" (timed), then read where the store sends the customer."""
        self.confirm_start = time.perf_counter()
        send = lambda: self.http.post(self.base + "/checkout/confirm",  # noqa: E731
                                      data={"csrf_token": self.token, **self.form},
                                      allow_redirects=False, timeout=120)
        try:
            response = send()
        except requests.ConnectionError:
            # The server closed the idle keep-alive connection just as the form went out
            # (the customers wait at the barrier): send it again, as a browser does.
            # Placing is idempotent: a resent form lands on the same result.
            self.resent = True
            response = send()
        self.confirm_end = time.perf_counter()
        self.confirm_ms = (self.confirm_end - self.confirm_start) * 1000
        self.confirm_status = response.status_code
        self.statuses[response.status_code] += 1
        if response.status_code not in (302, 303):
            self.outcome, self.message = "other", f"HTTP {response.status_code}"
            return
        after = self.get(response.headers["Location"])
        text = after.text
        if 'data-testid="order-success"' in text:
            self.outcome = "ordered"
        elif SOLD_OUT in text:
            self.outcome = "sold out"
        else:
            self.outcome = "other"
            flash = re.search(r'data-testid="flash"[^>]*>([^<]+)', text)
            self.message = flash.group(1).strip() if flash else f"at {after.url}"
        # "being processed" pages: reload like a customer until the result shows
        for _ in range(20):
            if self.outcome != "other" or "/checkout/done/" not in after.url:
                break
            time.sleep(0.25)
            after = self.get(after.url.removeprefix(self.base))
            if 'data-testid="order-success"' in after.text:
                self.outcome, self.message = "ordered", ""


def race(base: str, emails: list[str], prep_concurrency: int) -> tuple[list[Customer], dict]:
    customers = [Customer(email, base) for email in emails]
    gate = threading.Semaphore(prep_concurrency)
    barrier = threading.Barrier(len(customers) + 1)
    times: dict[str, float] = {}

    def run(customer: Customer) -> None:
        try:
            with gate:
                customer.prepare()
        except Exception as error:  # noqa: BLE001 - reported in the table
            customer.problem = f"{type(error).__name__}: {error}"
        try:
            barrier.wait(timeout=600)
        except threading.BrokenBarrierError:
            return
        if customer.ready:
            try:
                customer.confirm()
            except Exception as error:  # noqa: BLE001
                customer.outcome, customer.message = "other", f"{type(error).__name__}: {error}"

    threads = [threading.Thread(target=run, args=(c,), daemon=True) for c in customers]
    times["prep_start"] = time.perf_counter()
    for thread in threads:
        thread.start()
    barrier.wait(timeout=600)  # every customer is on the confirm page
    times["fire"] = time.perf_counter()
    log("all customers are on the confirm page: Confirm Order!")
    for thread in threads:
        thread.join(timeout=300)
    times["end"] = time.perf_counter()
    return customers, times


# --------------------------------------------------------------------------- report

def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--stock", type=int, default=100)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--prep-concurrency", type=int, default=16)
    args = parser.parse_args()
    started = time.perf_counter()
    server_url = os.environ.get("BENCH_PG_URL",
                                "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    folder = tempfile.mkdtemp(prefix="storefront-bench-launch-")
    notes: list[str] = []
    try:
        with Database(server_url) as database:
            log(f"database {database.name}: migrate, seed, cap {SLUG} at {args.stock} units")
            env = {**os.environ, "FLASK_APP": "wsgi", "STOREFRONT_QA_MODE": "1",
                   "STOREFRONT_DATABASE_URL": database.url,
                   "STOREFRONT_HUEY_SQLITE_PATH": f"{folder}/huey.db",
                   "STOREFRONT_SECRET_KEY": secrets.token_hex(32),
                   "STOREFRONT_LOGIN_RATE_LIMIT": "10000 per minute"}
            env.pop("STOREFRONT_ENV", None)  # QA mode refuses production settings
            flask(env, "migrate")
            flask(env, "seed")
            try:
                flask(env, "staff", "--as", "staff@example.com", "set-product", SLUG,
                      "--stock", str(args.stock), "--per-order-limit", "1")
            except RuntimeError as error:
                # The staff command is the way; if it breaks, say so and still run the race.
                last = [line for line in str(error).splitlines() if line.strip()][-3:]
                notes.append("`flask staff set-product` failed, so stock and limit were set "
                             "with SQL: " + " ".join(last)[:400])
                log(notes[-1])
                database.execute("UPDATE products SET stock = %s, per_order_limit = 1 "
                                 "WHERE slug = %s", args.stock, SLUG)
            t = time.perf_counter()
            emails = create_customers(database.url, args.customers, folder)
            log(f"{len(emails)} customers created in {time.perf_counter() - t:.1f}s")
            with Gunicorn(env, Path(folder) / "server.log", workers=args.workers) as server:
                log(f"{args.workers} gunicorn workers on {server.url}; "
                    f"{args.customers} customers go to the confirm page")
                customers, times = race(server.url, emails, args.prep_concurrency)
            server_log = server.log_text()
            orders = database.query(
                "SELECT o.status, count(DISTINCT o.id), coalesce(sum(l.quantity), 0) "
                "FROM orders o JOIN order_lines l ON l.order_id = o.id "
                "JOIN products p ON p.id = l.product_id WHERE p.slug = %s GROUP BY o.status",
                SLUG)
            stock_left = database.query("SELECT stock FROM products WHERE slug = %s", SLUG)[0][0]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    total_s = time.perf_counter() - started

    # ---- what happened
    outcomes = Counter(c.outcome or "not ready" for c in customers)
    statuses = sum((c.statuses for c in customers), Counter())
    server_errors = sum(n for code, n in statuses.items() if code >= 500)
    tracebacks = server_log.count("Traceback (most recent call last)")
    problems = Counter(c.problem for c in customers if c.problem)
    others = Counter(c.message for c in customers if c.outcome == "other")
    db_orders = sum(n for status, n, _q in orders if status != "failed")
    db_units = sum(q for status, _n, q in orders if status != "failed")
    confirms = [c for c in customers if c.confirm_status]
    lat = [c.confirm_ms for c in confirms]
    won = [c.confirm_ms for c in confirms if c.outcome == "ordered"]
    lost = [c.confirm_ms for c in confirms if c.outcome == "sold out"]
    window = (max(c.confirm_end for c in confirms) - min(c.confirm_start for c in confirms)
              if confirms else 0.0)
    spread = (max(c.confirm_start for c in confirms) - min(c.confirm_start for c in confirms)
              if confirms else 0.0)
    exact = db_orders == args.stock and outcomes["ordered"] == args.stock
    clean = server_errors == 0 and tracebacks == 0 and not problems

    ok = lambda flag: "yes" if flag else "**no**"  # noqa: E731
    out = [f"### Preorder launch ({machine_line()})", "",
           f"{args.customers} customers, {SLUG} capped at {args.stock} units (limit 1 per "
           f"order), PostgreSQL 127.0.0.1, gunicorn {args.workers} gthread workers x 4 threads, "
           "QA mode (test gateway), plain HTTP forms with CSRF tokens. Every customer logs "
           "in, adds the product and goes through the checkout to the confirm page "
           f"({args.prep_concurrency} at a time); then all press Confirm Order together "
           "(a barrier).", "",
           "| measure | value | expected | met |", "| --- | ---: | ---: | --- |",
           f"| orders created (database) | {db_orders} ({db_units} units) | {args.stock} "
           f"| {ok(exact)} |",
           f"| customers shown their order number | {outcomes['ordered']} | {args.stock} "
           f"| {ok(outcomes['ordered'] == args.stock)} |",
           f"| customers told \"sold out\" | {outcomes['sold out']} "
           f"| {args.customers - args.stock} "
           f"| {ok(outcomes['sold out'] == args.customers - args.stock)} |",
           f"| other outcomes | {outcomes['other'] + outcomes['not ready']} | 0 "
           f"| {ok(outcomes['other'] + outcomes['not ready'] == 0)} |",
           f"| server errors (HTTP 5xx / tracebacks in the log) | {server_errors} / "
           f"{tracebacks} | 0 | {ok(server_errors == 0 and tracebacks == 0)} |",
           f"| stock left | {stock_left} | {max(args.stock - args.customers, 0)} "
           f"| {ok(stock_left == max(args.stock - args.customers, 0))} |",
           f"| confirm requests answered | {len(confirms)} in {window:.2f} s "
           f"(sent within {spread * 1000:.0f} ms) | | |",
           f"| confirm throughput | {len(confirms) / window if window else 0:.0f} req/s | | |",
           f"| \"Confirm Order\" sent again after the server dropped an idle connection | "
           f"{sum(c.resent for c in customers)} | | |",
           f"| confirm latency p50 / p90 / p99 / max | {pct(lat, 50):.0f} / {pct(lat, 90):.0f} "
           f"/ {pct(lat, 99):.0f} / {max(lat, default=float('nan')):.0f} ms | | |",
           f"| latency, orders placed: median / max | {pct(won, 50):.0f} / "
           f"{max(won, default=float('nan')):.0f} ms | | |",
           f"| latency, sold out: median / max | {pct(lost, 50):.0f} / "
           f"{max(lost, default=float('nan')):.0f} ms | | |",
           f"| getting {args.customers} customers to the confirm page | "
           f"{times['fire'] - times['prep_start']:.1f} s "
           f"({sum(c.prep_requests for c in customers)} requests) | | |",
           f"| total time (database, seed, accounts, race, drop) | {total_s:.1f} s | | |"]
    if problems or others or notes:
        out.append("")
        for text, n in (problems + others).most_common(5):
            out.append(f"- {n} x {text}")
        out.extend(f"- {note}" for note in notes)
    if tracebacks:
        first = server_log.split("Traceback (most recent call last)", 1)[1][:1500]
        log(f"first traceback in the server log:\n{first}")
    print("\n".join(out), flush=True)
    if not (exact and clean):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
