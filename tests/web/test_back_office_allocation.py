"""Short allocation through the admin product page: preview (nothing changes), confirm
(cancel, refund, email, stock), a second confirm changes nothing; and `flask staff
allocate`."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from storefront import clock
from storefront.cli_staff import staff
from storefront.extensions import db
from storefront.models import Email, Order, Product
from storefront.services import audit
from tests.builders import confirm, customer, login, ready_checkout, user

STAFF = ("staff@example.com", "Staff-Passw0rd!")


def place(session, email: str, quantity: int) -> str:
    person = user(session, email)
    checkout, seen = ready_checkout(session, person, {"aurora-knight-figure": quantity})
    return confirm(session, person, checkout, seen).orders[0].number


def statuses(numbers) -> list[str]:
    db.session.expire_all()
    return [db.session.scalars(select(Order.status).where(Order.number == n)).one()
            for n in numbers]


def rows(html: str, kind: str) -> list[str]:
    return re.findall(rf'data-testid="allocation-{kind}" data-order-number="([^"]+)"', html)


def two_orders(session) -> list[str]:
    customer(session, "late@example.com")
    base = clock.now()
    clock.use(base)
    early = place(session, "qa.us@example.com", 2)
    clock.use(base + timedelta(minutes=5))
    late = place(session, "late@example.com", 1)
    clock.use(None)
    return [early, late]


def test_preview_then_confirm_keeps_the_earliest_and_a_second_confirm_changes_nothing(
        client, session):
    early, late = two_orders(session)
    login(client, *STAFF)
    product_page = client.get("/admin/products/aurora-knight-figure").get_data(as_text=True)
    assert 'data-testid="allocate-stock"' in product_page
    preview = client.post("/admin/products/aurora-knight-figure/allocation",
                          data={"units": "2"})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and 'data-testid="allocation-preview"' in html
    assert rows(html, "keep") == [early] and rows(html, "cancel") == [late]
    assert statuses([early, late]) == ["placed", "placed"]  # a preview changes nothing
    cancel = re.search(r'name="cancel" value="([^"]*)"', html).group(1)
    done = client.post("/admin/products/aurora-knight-figure/allocation/confirm",
                       data={"units": "2", "cancel": cancel})
    assert done.status_code == 303
    assert statuses([early, late]) == ["placed", "cancelled"]
    assert [e.to for e in db.session.scalars(select(Email).where(Email.kind == "cancelled"))] \
        == ["late@example.com"]
    assert db.session.scalars(select(Product.stock).where(
        Product.slug == "aurora-knight-figure")).one() == 0
    # Written to the audit log as the staff member's changes, before and after.
    trail = {(e.entity, e.entity_key, e.action) for e in audit.entries(db.session)}
    assert ("order", late, "status") in trail
    assert ("product", "aurora-knight-figure", "stock") in trail
    again = client.post("/admin/products/aurora-knight-figure/allocation", data={"units": "2"})
    assert rows(again.get_data(as_text=True), "cancel") == []
    emails = db.session.query(Email).count()
    client.post("/admin/products/aurora-knight-figure/allocation/confirm",
                data={"units": "2", "cancel": ""})
    assert statuses([early, late]) == ["placed", "cancelled"]
    assert db.session.query(Email).count() == emails


def test_a_stale_preview_and_bad_units_change_nothing(client, session):
    early, late = two_orders(session)
    login(client, *STAFF)
    stale = client.post("/admin/products/aurora-knight-figure/allocation/confirm",
                        data={"units": "2", "cancel": ""}, follow_redirects=True)
    assert "changed since the preview" in stale.get_data(as_text=True)
    for units in ("-3", "many", ""):
        response = client.post("/admin/products/aurora-knight-figure/allocation",
                               data={"units": units}, follow_redirects=True)
        assert response.status_code == 200 and 'data-level="error"' in response.get_data(
            as_text=True)
    assert statuses([early, late]) == ["placed", "placed"]


def test_flask_staff_allocate_previews_then_runs(app, session):
    early, late = two_orders(session)
    runner = app.test_cli_runner(env={"STOREFRONT_STAFF_EMAIL": "staff@example.com"})
    preview = runner.invoke(staff, ["allocate", "aurora-knight-figure", "2", "--preview"])
    assert preview.exit_code == 0 and f"cancel {late}" in preview.output
    assert statuses([early, late]) == ["placed", "placed"]
    run = runner.invoke(staff, ["allocate", "aurora-knight-figure", "2"])
    assert run.exit_code == 0 and "1 cancelled" in run.output
    assert statuses([early, late]) == ["placed", "cancelled"]
    assert "0 cancelled" in runner.invoke(staff, ["allocate", "aurora-knight-figure", "2"]).output
