"""A database that cannot be reached (issue 12, item 7, in-process part; the outage of a real
PostgreSQL under gunicorn is tests/reliability/test_database_outage.py): every page and form
answers 503 with the short "back in a moment" page, never a 500 or a traceback, and /readyz
says not ready."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text

from storefront import create_app
from storefront.extensions import db
from tests.smtp import free_port
from tests.support.app import settings

POSTGRES = os.environ.get("STOREFRONT_TEST_DATABASE_URL", "").startswith("postgresql")

# What reads the database answers 503; a page that needs nothing from it (an empty cart,
# the login form, a redirect to log in) may still answer as usual, never with a 500.
NEEDS_DB = [("GET", "/"), ("GET", "/products/aurora-knight-figure"), ("POST", "/login"),
            ("POST", "/cart/add")]
OTHERS = [("GET", "/cart/"), ("GET", "/login"), ("GET", "/account/"), ("GET", "/checkout/"),
          ("GET", "/admin/"), ("GET", "/no-such-page"), ("POST", "/contact"),
          ("POST", "/register")]


def test_pages_answer_503_back_in_a_moment_when_the_database_is_unreachable(
        database_url, app):
    down = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nothing?connect_timeout=2"
    for qa_mode in (False, True):
        store = create_app(settings(database_url, QA_MODE=qa_mode, DATABASE_URL=down))
        client = store.test_client()
        client.set_cookie("session", "x")  # a visitor with a session: nothing cached helps
        try:
            answers = {}
            for method, path in NEEDS_DB + OTHERS:
                response = client.open(path, method=method, data={
                    "email": "a@b.co", "slug": "aurora-knight-figure", "password": "x" * 12})
                answers[f"{method} {path}"] = response.status_code
                body = response.get_data(as_text=True)
                assert response.status_code < 500 or response.status_code == 503, path
                if (method, path) in NEEDS_DB:
                    assert response.status_code == 503, (path, response.status_code)
                if response.status_code == 503:
                    assert "Back in a moment" in body and "Traceback" not in body
                    assert response.headers["Retry-After"] == "5"
            ready = client.get("/readyz")
        finally:
            db.bind(database_url)
        print(f"database unreachable (QA mode {qa_mode}): {answers}; /readyz "
              f"{ready.status_code} {ready.get_json()}")
        assert ready.status_code == 503 and ready.get_json()["status"] == "unavailable"


@pytest.mark.skipif(not POSTGRES, reason="kills a PostgreSQL connection")
def test_a_session_whose_connection_died_is_dropped_without_an_error(app):
    """The end of a request rolls back its session; when the database cut the connection
    (a restart), that rollback fails: the session is dropped, and the next one works."""
    with app.app_context():
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))  # a transaction is open
        killer = create_engine(str(db.engine.url.set(query={})), isolation_level="AUTOCOMMIT")
        with killer.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        killer.dispose()
        db.remove()  # must not raise
        assert db.session.scalar(text("SELECT 1")) == 1
