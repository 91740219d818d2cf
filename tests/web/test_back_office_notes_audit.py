"""Internal notes (never shown to customers), the order's emails on the customer's and the
admin's order pages with staff resend, and the audit log of staff changes with its page."""
from __future__ import annotations

import re

from sqlalchemy import select

from storefront.extensions import db
from storefront.models import AuditEntry, Email, Order, Product
from storefront.services import audit, facts
from tests.builders import confirm, login, ready_checkout, user

STAFF = ("staff@example.com", "Staff-Passw0rd!")


def place(session, email: str = "qa.us@example.com") -> str:
    person = user(session, email)
    checkout, seen = ready_checkout(session, person, {"aurora-knight-figure": 1})
    return confirm(session, person, checkout, seen).orders[0].number


def entries(**filters) -> list[AuditEntry]:
    db.session.expire_all()
    return audit.entries(db.session, **filters)


def test_notes_on_orders_and_customers_are_for_staff_only(app, session):
    number = place(session)
    staff_client, customer_client = app.test_client(), app.test_client()
    login(staff_client, *STAFF)
    login(customer_client)
    staff_client.post(f"/admin/orders/{number}/notes", data={"body": "Asked for gift wrap"})
    us = user(session).id
    staff_client.post(f"/admin/accounts/{us}/notes", data={"body": "VIP collector"})
    assert "Asked for gift wrap" in staff_client.get(f"/admin/orders/{number}").get_data(
        as_text=True)
    assert "VIP collector" in staff_client.get(f"/admin/accounts/{us}").get_data(as_text=True)
    mine = customer_client.get(f"/account/orders/{number}").get_data(as_text=True)
    assert "gift wrap" not in mine and "VIP" not in mine
    # A customer cannot write one either.
    assert customer_client.post(f"/admin/orders/{number}/notes",
                                data={"body": "x"}).status_code == 404
    empty = staff_client.post(f"/admin/orders/{number}/notes", data={"body": "  "},
                              follow_redirects=True)
    assert 'data-level="error"' in empty.get_data(as_text=True)


def test_the_orders_emails_show_on_both_order_pages_and_staff_can_resend(app, session):
    number = place(session)
    order_id = db.session.scalars(select(Order.id).where(Order.number == number)).one()
    customer_client, staff_client = app.test_client(), app.test_client()
    login(customer_client)
    page = customer_client.get(f"/account/orders/{number}").get_data(as_text=True)
    assert 'data-testid="order-emails"' in page
    assert len(re.findall(r'data-testid="order-email"', page)) == 1
    sent = db.session.scalars(select(Email).where(Email.order_id == order_id)).one()
    assert sent.subject in page and "delivered" in page
    sent.sent_at, sent.attempts, sent.last_error = None, 1, "SMTPServerDisconnected"
    db.session.commit()
    login(staff_client, *STAFF)
    admin_page = staff_client.get(f"/admin/orders/{number}").get_data(as_text=True)
    assert "retrying" in admin_page and 'data-testid="resend-email"' in admin_page
    staff_client.post(f"/admin/orders/{number}/emails/{sent.id}/resend")
    copies = db.session.scalars(select(Email).where(Email.order_id == order_id)).all()
    assert len(copies) == 2 and copies[1].subject == copies[0].subject
    [entry] = entries(entity="email")
    assert entry.actor == "staff:staff@example.com" and entry.entity_key == number
    assert entry.action == "resent"
    # Someone else's email id is refused.
    other = place(session, "qa.fr@example.com")
    foreign = db.session.scalars(select(Email.id).join(Order, Order.id == Email.order_id)
                                 .where(Order.number == other)).first()
    staff_client.post(f"/admin/orders/{number}/emails/{foreign}/resend")
    assert len(db.session.scalars(select(Email).where(Email.order_id == order_id)).all()) == 2


def test_staff_changes_are_audited_with_before_and_after(client, session):
    number = place(session)
    login(client, *STAFF)
    keychain = session.scalars(select(Product).where(Product.slug == "pocket-cat-keychain")).one()
    shown = facts.form_of(keychain) | {"description": keychain.description}  # as the form shows
    client.post("/admin/products/pocket-cat-keychain",
                data={"name": "Pocket Cat Keychain", "kind": "instock", "price": "13.50",
                      "stock": "50", "per_order_limit": "10", "cancellable": "on", **shown})
    [price] = entries(entity="product", key="pocket-cat-keychain", action="price")
    assert price.action == "price" and price.actor == "staff:staff@example.com"
    assert price.before["price_cents"] == 1200 and price.after["price_cents"] == 1350
    client.post("/admin/products/aurora-knight-figure/release-date",
                data={"release_date": "2031-01-02"})
    [moved] = entries(entity="product", action="release_date")
    assert moved.after == {"release_date": "2031-01-02"}
    client.post("/admin/coupons/FIVEOFF/active", data={"active": "0"})
    [coupon] = entries(entity="coupon")
    assert coupon.entity_key == "FIVEOFF" and coupon.before == {"active": True}
    assert coupon.after == {"active": False}
    client.post(f"/admin/accounts/{user(session, 'qa.fr@example.com').id}/restrict",
                data={"reason": "Refused two deliveries"})
    [account] = entries(entity="account")
    assert account.entity_key == "qa.fr@example.com" and account.after["is_restricted"] is True
    client.post(f"/admin/orders/{number}/shipping-date", data={"shipping_date": "2031-01-01"})
    [order] = entries(entity="order")
    assert order.entity_key == number and order.after["shipping_date"] == "2031-01-01"
    assert order.before["shipping_date"] is None
    # Customers' own changes are not staff changes.
    assert entries(actor="qa.us") == []
    page = client.get("/admin/audit?entity=product&key=pocket").get_data(as_text=True)
    assert page.count('data-testid="audit-entry"') == 1 and "1350" in page
    assert client.get("/admin/audit?from=nonsense&before=x").status_code == 200
