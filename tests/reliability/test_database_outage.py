"""A database that goes away (issue 12, item 7): the store under gunicorn (2 workers) on its
own PostgreSQL (Debian's initdb and pg_ctl, a temp folder, a free port); customers browse and
order while the database is stopped for 5 seconds and started again.

During the outage pages answer 503 with the short "back in a moment" page (never a 500 or a
traceback) and /readyz says not ready; afterwards the same processes recover by themselves,
and no order is lost or doubled, stock and money add up. Runs once, in the SQLite pass (it
brings its own PostgreSQL); skipped where Debian's PostgreSQL programs are missing."""
from __future__ import annotations

import os
import threading
import time

import psycopg
import pytest
import requests

from tests.reliability.outage import Customer, Postgres, Store, log, postgres_bin

pytestmark = [
    pytest.mark.skipif(postgres_bin() is None, reason="Debian's postgresql is not installed"),
    pytest.mark.skipif(bool(os.environ.get("STOREFRONT_TEST_DATABASE_URL")),
                       reason="brings its own PostgreSQL: runs in the SQLite pass only"),
]
CUSTOMERS = 4
STOCK = 500


def probe(url: str) -> tuple[int, str]:
    try:
        response = requests.get(url, timeout=10)
        return response.status_code, response.text
    except requests.RequestException as exc:
        return 0, type(exc).__name__


def test_customers_order_through_a_database_outage():
    began = time.monotonic()
    pg = Postgres()
    store = None
    try:
        pg.init()
        store = Store(pg.url, LOGIN_RATE_LIMIT="1000 per minute",
                      ACCOUNT_LOGIN_RATE_LIMIT="1000 per minute")
        emails = store.prepare(CUSTOMERS)
        dsn = pg.url.replace("postgresql+psycopg", "postgresql")
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("UPDATE products SET stock = %s, per_order_limit = NULL "
                         "WHERE slug = 'pocket-cat-keychain'", (STOCK,))
        store.start()
        pids = store.pids()
        log(f"PostgreSQL {pg.bindir.parent.name} on port {pg.port}, the store on {store.url} "
            f"(gunicorn, 2 workers), {CUSTOMERS} customers shopping")
        customers = [Customer(email, store.url) for email in emails]
        stop = threading.Event()
        threads = [threading.Thread(target=c.shop_until, args=(stop,)) for c in customers]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30  # a busy machine: wait for the first orders
        while sum(len(c.shown) for c in customers) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        before = sum(len(c.shown) for c in customers)
        pg.stop()
        stopped_at = time.monotonic()
        log(f"database stopped after {before} orders")
        during: list[tuple[str, int, str]] = []
        while time.monotonic() - stopped_at < 5:
            for path in ("/readyz", "/", "/products/pocket-cat-keychain"):
                status, text = probe(store.url + path)
                during.append((path, status, text))
            time.sleep(0.5)
        pg.start()
        log("database started again")
        back_at = time.monotonic()
        ready_after = None
        while time.monotonic() - back_at < 20:
            if probe(store.url + "/readyz")[0] == 200:
                ready_after = time.monotonic() - back_at
                break
            time.sleep(0.2)
        time.sleep(6)  # customers keep shopping on the recovered store
        stop.set()
        for thread in threads:
            thread.join(60)
        # Anything a customer's cut-off Confirm Order left half-done: the recovery job.
        requests.post(store.url + "/_qa/clock", json={
            "now": time.strftime("%Y-%m-%dT%H:%M:%S+00:00",
                                 time.gmtime(time.time() + 3600))}, timeout=30)
        recovered = requests.post(store.url + "/_qa/run-due-jobs", timeout=60).json()
        with psycopg.connect(dsn, autocommit=True) as conn:
            def one(sql: str) -> object:
                return conn.execute(sql).fetchone()[0]
            numbers = {row[0] for row in conn.execute("SELECT number FROM orders")}
            doubled = one("SELECT count(*) FROM (SELECT checkout_id FROM orders "
                          "GROUP BY checkout_id HAVING count(*) > 1) d")
            stuck = one("SELECT count(*) FROM checkouts WHERE status IN "
                        "('placing', 'recovering')")
            stock = one("SELECT stock FROM products WHERE slug = 'pocket-cat-keychain'")
            sold = one("SELECT coalesce(sum(l.quantity), 0) FROM order_lines l JOIN orders o "
                       "ON o.id = l.order_id WHERE o.status IN "
                       "('pending_payment', 'placed', 'shipped', 'completed')")
            paid_total = one("SELECT coalesce(sum(total_cents), 0) FROM orders "
                             "WHERE payment_status = 'paid'")
            unpaid_placed = one("SELECT count(*) FROM orders WHERE status = 'placed' "
                                "AND payment_status <> 'paid'")
            charged = one("SELECT coalesce(sum(CASE WHEN kind = 'charge' THEN amount_cents "
                          "ELSE -amount_cents END), 0) FROM test_gateway_charges "
                          "WHERE succeeded AND kind IN ('charge', 'refund', 'void')")
            charges_per_order = one("SELECT coalesce(max(n), 0) FROM (SELECT order_id, "
                                    "count(*) n FROM payments WHERE kind = 'charge' AND "
                                    "status = 'succeeded' GROUP BY order_id) c")
        server_log = store.log()
        same_processes = store.pids() == pids
    finally:
        if store is not None:
            store.close()
        pg.close()
    shown = [n for c in customers for n in c.shown]
    after = len(shown) - before
    problems = [p for c in customers for p in c.problems]
    statuses = sum((c.statuses for c in customers), start=type(customers[0].statuses)())
    ready_during = [s for p, s, _ in during if p == "/readyz"]
    pages_during = [(p, s, "Back in a moment" in t) for p, s, t in during if p != "/readyz"]
    log(f"during the 5 s outage: /readyz {sorted(set(ready_during))}, pages "
        f"{sorted(set(pages_during))}; customers saw {sum(c.outage_pages for c in customers)} "
        f"'back in a moment' pages")
    log(f"ready again {ready_after:.1f} s after the start, same gunicorn processes: "
        f"{same_processes}; orders shown: {before} before, {after} during and after")
    log(f"database: {len(numbers)} orders ({doubled} checkouts with two), {stuck} stuck; "
        f"keychain stock {stock} + sold {sold} = {stock + sold} (was {STOCK}); paid "
        f"{paid_total} cents, gateway net {charged} cents; recovery {recovered['recovered']}")
    log(f"answers: {dict(sorted(statuses.items()))}; problems: {problems[:5]}; tracebacks in "
        f"the server log: {server_log.count('Traceback')}; took {time.monotonic() - began:.0f} s")
    first = server_log.find("Traceback")
    assert not problems, (problems, server_log[first:first + 3000] if first >= 0 else "")
    assert ready_during and set(ready_during) == {503}, ready_during
    assert pages_during and all(s == 503 and short for _p, s, short in pages_during)
    assert ready_after is not None and same_processes, "the store did not recover by itself"
    assert before > 0 and after > 0, "customers did not order before and after the outage"
    assert set(shown) <= numbers, "an order a customer was shown is missing"
    assert len(shown) == len(set(shown)) and doubled == 0 and stuck == 0
    assert stock + sold == STOCK
    assert charged == paid_total and charges_per_order <= 1 and unpaid_placed == 0
    assert "Traceback" not in server_log and " 500 " not in server_log
