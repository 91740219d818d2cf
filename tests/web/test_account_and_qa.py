"""My Account privacy, CSRF, QA endpoints, security headers."""
from __future__ import annotations

import re

import pytest

from storefront import create_app
from storefront.config import ConfigError
from tests.builders import hidden, login, web_checkout_to_confirm
from tests.support.app import settings


def place(client, items) -> str:
    page = web_checkout_to_confirm(client, items)
    done = client.post("/checkout/confirm", data={"checkout": hidden(page.data, "checkout"),
                                                  "seen": hidden(page.data, "seen")},
                       follow_redirects=True)
    return re.search(rb'data-testid="order-number"[^>]*>([A-Z0-9-]+)<', done.data).group(1).decode()


def test_the_order_detail_shows_lines_address_and_its_event_log(client):
    login(client)
    number = place(client, {"pocket-cat-keychain": 2})
    page = client.get(f"/account/orders/{number}").get_data(as_text=True)
    assert 'data-testid="order-detail"' in page and "Pocket Cat Keychain" in page
    assert 'data-testid="order-status">Paid<' in page
    assert 'data-testid="order-events"' in page and "Order placed on the website." in page
    assert "350 Fifth Avenue" in page


def test_another_customers_order_is_404(client):
    login(client)
    number = place(client, {"pocket-cat-keychain": 1})
    client.post("/logout")
    login(client, "qa.fr@example.com")
    assert client.get(f"/account/orders/{number}").status_code == 404
    assert number not in client.get("/account/").get_data(as_text=True)


def test_state_changes_without_a_csrf_token_are_refused(database_url, app):
    strict = create_app(settings(database_url, WTF_CSRF_ENABLED=True))
    client = strict.test_client()
    for path, data in (("/cart/add", {"slug": "pocket-cat-keychain", "quantity": "1"}),
                       ("/login", {"email": "qa.us@example.com", "password": "Qa-Passw0rd!"}),
                       ("/logout", {}), ("/checkout/confirm", {})):
        response = client.post(path, data=data, headers={"HX-Request": "true"})
        assert response.status_code == 400, path
    page = client.get("/products/pocket-cat-keychain")
    token = hidden(page.data, "csrf_token")
    ok = client.post("/cart/add", data={"slug": "pocket-cat-keychain", "quantity": "1",
                                        "csrf_token": token})
    assert ok.status_code == 303
    via_header = client.post("/cart/add", data={"slug": "pocket-cat-keychain", "quantity": "1"},
                             headers={"X-CSRFToken": token, "HX-Request": "true",
                                      "HX-Target": "added"})
    assert via_header.status_code == 200


def test_qa_endpoints_are_404_outside_qa_mode(client):
    assert client.get("/_qa/mailbox?to=qa.us@example.com").status_code == 404
    assert client.post("/_qa/reset").status_code == 404


def test_qa_mode_refuses_to_start_in_production(database_url):
    with pytest.raises(ConfigError, match="QA_MODE"):
        create_app(settings(database_url, QA_MODE=True, ENV="production",
                            SECRET_KEY="long-enough-secret"))


def test_qa_mailbox_clock_and_reset(database_url, app):
    qa = create_app(settings(database_url, QA_MODE=True))
    client = qa.test_client()
    login(client)
    number = place(client, {"aurora-knight-figure": 1})
    mails = client.get("/_qa/mailbox?to=qa.us@example.com").get_json()
    assert mails[0]["kind"] == "order_confirmation" and number in mails[0]["subject"]
    assert set(mails[0]) == {"to", "subject", "text", "html", "sent_at", "kind"}
    moved = client.post("/_qa/clock", json={"now": "2030-03-01T09:00:00+00:00"})
    assert moved.get_json()["now"].startswith("2030-03-01T09:00")
    closed = client.get("/products/aurora-knight-figure").get_data(as_text=True)
    assert "Preorders for this product have closed" in closed
    assert client.post("/_qa/clock", json={"now": "not a time"}).status_code == 400
    assert client.post("/_qa/clock", json={"now": None}).status_code == 200
    assert client.post("/_qa/run-due-jobs").get_json()["emails"]["failed"] == 0
    assert client.post("/_qa/reset").status_code == 200
    assert client.get("/_qa/mailbox?to=qa.us@example.com").get_json() == []


def test_pages_carry_security_headers(client):
    headers = client.get("/").headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_stored_text_is_escaped_in_pages(client, session):
    from tests.builders import product

    product(session, "pocket-cat-keychain").name = "<script>alert(1)</script>"
    session.commit()
    page = client.get("/products/pocket-cat-keychain").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_flask_seed_refuses_production(database_url, app):
    """The demo data holds staff@example.com with the README's password: never in production."""
    from sqlalchemy import func, select

    from storefront.cli import seed_command
    from storefront.extensions import db
    from storefront.models import User

    production = create_app(settings(database_url, ENV="production", SECRET_KEY="x" * 40,
                                     BASE_URL="https://shop.example",
                                     PAYMENT_GATEWAY="stripe", STRIPE_SECRET_KEY="sk_test_x"))
    with production.app_context():
        before = db.session.scalar(select(func.count(User.id)))
        result = production.test_cli_runner().invoke(seed_command, ["--reset"])
        after = db.session.scalar(select(func.count(User.id)))
    assert result.exit_code != 0 and "refuses" in result.output
    assert before == after
    with app.app_context():
        development = app.test_cli_runner().invoke(seed_command, ["--reset"])
    assert development.exit_code == 0 and "demo data loaded" in development.output
