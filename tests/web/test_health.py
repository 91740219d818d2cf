"""Health checks and request logs (issue: nothing lost, nobody let in, item 8)."""
from __future__ import annotations

import json
import logging

from alembic.script import ScriptDirectory
from sqlalchemy import text

from storefront.cli import jobs_group
from storefront.extensions import db
from storefront.migrate import alembic_config
from tests.builders import VISA, login


def test_healthz_says_the_process_is_up(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_readyz_checks_the_database_and_the_migrations(client, app):
    assert client.get("/readyz").status_code == 200
    with app.app_context():
        db.session.execute(text("UPDATE alembic_version SET version_num = '0001'"))
        db.session.commit()
    try:
        behind = client.get("/readyz")
        assert behind.status_code == 503 and behind.get_json()["migrations"] == "behind"
    finally:
        head = ScriptDirectory.from_config(alembic_config(str(db.engine.url))).get_current_head()
        with app.app_context():
            db.session.execute(text(f"UPDATE alembic_version SET version_num = '{head}'"))
            db.session.commit()


def test_every_request_gets_an_id_and_one_json_log_line(client, caplog):
    with caplog.at_level(logging.INFO, logger="storefront.requests"):
        response = client.get("/products/aurora-knight-figure?q=secret",
                              headers={"X-Request-ID": "abc123def456"})
    assert response.headers["X-Request-ID"] == "abc123def456"
    line = json.loads(next(r.message for r in caplog.records
                           if r.name == "storefront.requests"))
    assert line["request_id"] == "abc123def456" and line["status"] == 200
    assert line["path"] == "/products/aurora-knight-figure" and "secret" not in json.dumps(line)


def test_no_card_number_or_password_reaches_the_logs(client, caplog):
    with caplog.at_level(logging.DEBUG):
        login(client)
        client.post("/cart/add", data={"slug": "pocket-cat-keychain", "quantity": "1"})
        client.get("/checkout/")
        client.post("/checkout/payment", data=VISA)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "4242 4242 4242 4242" not in logged and "4242424242424242" not in logged
    assert "Qa-Passw0rd!" not in logged


def test_the_jobs_command_runs_what_is_due(app):
    result = app.test_cli_runner().invoke(jobs_group, ["run-due"])
    assert result.exit_code == 0 and "emails" in result.output and "charges" in result.output
