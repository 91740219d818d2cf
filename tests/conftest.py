"""Shared test setup: one migrated database per run (SQLite, or PostgreSQL when
STOREFRONT_TEST_DATABASE_URL says so), emptied and reseeded before each test."""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest
from sqlalchemy import delete

from storefront import clock, create_app, jobs, migrate
from storefront.extensions import db
from storefront.models import Base
from storefront.services import accounts, demo
from tests.support.app import drop_schema, postgres_schema, settings

# Real scrypt costs ~50 ms a hash; tests hash hundreds of passwords. Production keeps
# scrypt (tests/unit/test_accounts.py proves the default).
accounts.HASH_METHOD = "pbkdf2:sha256:1000"


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """Migrated with Alembic, as production is."""
    base = os.environ.get("STOREFRONT_TEST_DATABASE_URL", "")
    if base.startswith("postgresql"):
        url, schema = postgres_schema(base)
        migrate.upgrade(url)
        yield url
        db.session.remove()
        if db.engine is not None:
            db.engine.dispose()
        drop_schema(base, schema)
        return
    folder = tempfile.mkdtemp(prefix="storefront-test-")
    url = f"sqlite:///{folder}/test.db"
    migrate.upgrade(url)
    yield url
    db.session.remove()
    if db.engine is not None:
        db.engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def _app(database_url: str):
    return create_app(settings(database_url))


@pytest.fixture()
def app(_app, database_url):
    """The app over a database holding exactly the demo data."""
    if db.engine is None or str(db.engine.url) != str(_app.config["DATABASE_URL"]):
        db.bind(database_url)
    jobs.init_app(_app)  # a test that built another app may have re-pointed the mailer
    with _app.app_context():
        clock.use(None)
        session = db.session
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))
        session.commit()
        demo.seed(session)
    yield _app
    clock.use(None)
    db.session.remove()


@pytest.fixture()
def session(app):
    """The database session services receive (services need no app context; requests made
    in the same test then get their own, so nothing of one request leaks into the next)."""
    yield db.session
    db.session.remove()


@pytest.fixture()
def client(app):
    return app.test_client()
