"""Email faults against a real SMTP server on 127.0.0.1 (R-COM-2; issue: nothing lost,
item 4): with the server down orders still complete; when it is back every email is
delivered, none twice."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storefront import clock, create_app, jobs
from storefront.extensions import db
from storefront.models import Email
from tests.builders import hidden, login, web_checkout_to_confirm
from tests.smtp import free_port, smtp_server
from tests.support.app import settings


def test_orders_complete_with_the_mail_server_down_and_mail_follows_once_it_is_back(
        database_url, app):
    port = free_port()
    shop = create_app(settings(database_url, SMTP_HOST="127.0.0.1", SMTP_PORT=port))
    client = shop.test_client()
    login(client)
    for slug in ("pocket-cat-keychain", "aurora-knight-figure"):
        confirm = web_checkout_to_confirm(client, {slug: 1})
        done = client.post("/checkout/confirm", data={
            "checkout": hidden(confirm.data, "checkout"), "seen": hidden(confirm.data, "seen")},
            follow_redirects=True)
        assert b"Your order has been processed successfully" in done.data
    with shop.app_context():
        waiting = db.session.scalars(select(Email).where(Email.sent_at.is_(None))).all()
        assert len(waiting) == 2 and all(e.attempts >= 1 for e in waiting)
    with smtp_server(port) as (inbox, _), shop.app_context():  # the server is back
        clock.use(clock.now() + timedelta(hours=2))  # past every back-off
        first = jobs.run_due()["emails"]
        again = jobs.run_due()["emails"]
        clock.use(None)
    print(f"email faults: {len(waiting)} emails queued while down, "
          f"{first['sent']} delivered after restart, {again['sent']} sent twice")
    assert first == {"sent": 2, "failed": 0} and again["sent"] == 0
    assert len(inbox.raw) == 2
    assert all(b"Subject: Your order" in m for m in inbox.raw)
