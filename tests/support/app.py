"""The app under test: its settings, and a PostgreSQL schema of its own per run (the fixtures
of tests/conftest.py build the app with these)."""
from __future__ import annotations

import secrets

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def settings(database_url: str, **extra: object) -> dict:
    """The test app's configuration: no CSRF, no rate limits, jobs run at once, no page cache."""
    return {"DATABASE_URL": database_url, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False,
            "BASE_URL": "http://localhost",
            "RATELIMIT_ENABLED": False, "JOBS_IMMEDIATE": True, "PAGE_CACHE_SECONDS": 0,
            "TESTING": True, **extra}


def postgres_schema(url: str, prefix: str = "sf_test") -> tuple[str, str]:
    """A fresh schema for this run (tests, or a benchmark); the URL points its search_path
    there."""
    schema = f"{prefix}_{secrets.token_hex(4)}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    parsed = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    return parsed.render_as_string(hide_password=False), schema


def drop_schema(url: str, schema: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()
