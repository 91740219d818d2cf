"""The catalogue at 20,000 products (issue 15), on SQLite and on PostgreSQL.

For each engine: a fresh database, migrated, the demo data and 20,000 more products with
series, makers, characters and images (20 distinct WebP pictures shared by the products, so
the database stays small); then the store under gunicorn (2 workers, production settings)
and, for the catalogue's first page, a filtered page and a search: the bytes a browser gets
(brotli), the SQL statements the page runs (counted in-process), and wrk at 16 connections
for 10 s (p50, p99, req/s) -- rendered every time (page cache off), and for first visits
from the page cache (its default of 2 s).

    .venv/bin/python bench/catalogue.py [--products 20000] [--seconds 10] [--pg URL]

Prints a Markdown table. PostgreSQL: a schema of its own in the given database, dropped at
the end (default postgresql+psycopg://postgres@127.0.0.1:5432/test)."""
from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

from sqlalchemy import event, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.benchserver import ROOT, Gunicorn, machine_line  # noqa: E402
from bench.wrkparse import parse  # noqa: E402
from tests.support.app import drop_schema, postgres_schema  # noqa: E402

PAGES = {"first page": "/", "filtered page": "/?series=star-harbor&kind=instock&sort=price",
         "search": "/?q=aurora+hero"}
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def seed(url: str, count: int) -> dict[str, int]:
    """Migrate, seed the demo data and `count` products; the statements each page runs."""
    from storefront import create_app, jobs, migrate
    from storefront.extensions import db
    from storefront.services import demo, images

    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "PAGE_CACHE_SECONDS": 0,
                      "RATELIMIT_ENABLED": False})
    with app.app_context():
        demo.reset(db.session)
        knight = demo_product(db.session)
        pictures = []
        for n in range(20):
            images.store(db.session, knight, images.placeholder(f"bench-{n}"))
            pictures.append(knight.image)
            db.session.commit()
        knight.image = knight.gallery = pictures[0]
        db.session.commit()
        chunk = count // len(pictures)
        for n, picture in enumerate(pictures):
            demo.many_products(db.session, chunk, prefix="bench", start=n * chunk,
                               image=picture)
        if url.startswith("postgresql"):
            db.session.execute(text("ANALYZE"))  # what autovacuum does soon after an import
            db.session.commit()
        else:
            jobs.analyze_now()  # what the hourly job does
        client = app.test_client()
        counts = {name: statements_of(db.engine, client, path) for name, path in PAGES.items()}
        db.session.remove()
        db.engine.dispose()
    return counts


def statements_of(engine, client, path: str) -> int:  # type: ignore[no-untyped-def]
    """The SQL statements one GET runs (transaction control left out)."""
    statements: list[str] = []

    def note(_conn, _cursor, statement, *_rest) -> None:  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK",
                                                      "PRAGMA", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return len(statements)


def demo_product(session):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from storefront.models import Product

    return session.scalars(select(Product).where(Product.slug == "aurora-knight-figure")).one()


def wire_bytes(url: str) -> int:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "br, gzip"})
    with _DIRECT.open(request, timeout=30) as response:
        return len(response.read())


def wrk(url: str, seconds: int) -> dict:
    subprocess.run(["wrk", "-t2", "-c16", "-d2s", url], capture_output=True, check=True)
    done = subprocess.run(["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", url],
                          capture_output=True, text=True, check=True)
    return parse(done.stdout)


def measure(engine: str, url: str, count: int, seconds: int, work: Path) -> list[str]:
    counts = seed(url, count)
    rows = []
    for cache in ("0", "2"):
        env = {**os.environ, "STOREFRONT_DATABASE_URL": url, "STOREFRONT_ENV": "production",
               "STOREFRONT_SECRET_KEY": secrets.token_hex(32),
               "STOREFRONT_PAGE_CACHE_SECONDS": cache,
               "STOREFRONT_HUEY_SQLITE_PATH": str(work / "huey.db"),
               "STOREFRONT_BASE_URL": "http://127.0.0.1",
               # production refuses the test gateway; the catalogue takes no payment
               "STOREFRONT_PAYMENT_GATEWAY": "stripe",
               "STOREFRONT_STRIPE_SECRET_KEY": "sk_test_bench_no_payments"}
        env.pop("STOREFRONT_QA_MODE", None)
        with Gunicorn(env, work / f"{engine}-{cache}.log", workers=2, threads=1) as server:
            for name, path in PAGES.items():
                got = wrk(server.url + path, seconds)
                mode = "rendered" if cache == "0" else "page cache"
                rows.append(f"| {engine} | {name} | {mode} | {wire_bytes(server.url + path)} | "
                            f"{counts[name]} | {got['p50']:.1f} | {got['p99']:.1f} | "
                            f"{got['rps']:.0f} | {got['errors']} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--engines", default="sqlite,postgresql")
    args = parser.parse_args()
    os.chdir(ROOT)
    rows = []
    with tempfile.TemporaryDirectory(prefix="storefront-bench-catalogue-") as folder:
        work = Path(folder)
        if "sqlite" in args.engines:
            rows += measure("SQLite", f"sqlite:///{work}/bench.db", args.products,
                            args.seconds, work)
        if "postgresql" in args.engines:
            url, schema = postgres_schema(args.pg, prefix="sf_bench")
            try:
                rows += measure("PostgreSQL", url, args.products, args.seconds, work)
            finally:
                drop_schema(args.pg, schema)
    print(f"Catalogue at {args.products:,} products + 6 demo products; {machine_line()}; "
          "gunicorn 2 workers (1 thread each), wrk -t2 -c16 "
          f"-d{args.seconds}s\n")
    print("| engine | page | mode | bytes (br) | SQL statements | p50 ms | p99 ms | req/s "
          "| errors |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
