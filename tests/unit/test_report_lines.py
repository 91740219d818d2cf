"""report_lines, the preorder report's narrow copy of each order line, follows every change
to an order, made through the ORM or by plain SQL (database triggers, migration 0008)."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select, update

from storefront import clock
from storefront.models import Order, OrderLine, ReportLine
from storefront.services import aftercare, fulfilment, order_payments, reports
from tests.builders import confirm, customer, gateway, ready_checkout, user


def place(session, email: str, items: dict[str, int]) -> Order:
    person = user(session, email)
    checkout, seen = ready_checkout(session, person, items)
    return confirm(session, person, checkout, seen).orders[0]


def expected(session) -> Counter:
    """The report's units by (product, state, country), computed from the orders in Python."""
    counts: Counter = Counter()
    for order in session.scalars(select(Order)):
        if order.status in ("pending_payment", "failed"):
            continue
        if order.status in ("cancelled", "returned") or order.payment_status == "refunded":
            state = "cancelled"
        elif order.payment_status == "failed":
            state = "failed"
        elif order.payment_status in ("incomplete", "charging", "pending"):
            state = "incomplete"
        else:
            state = "charged"
        for line in order.lines:
            counts[(line.product_id, state, order.shipping_address["country"])] += line.quantity
    return counts


def stored(session) -> Counter:
    counts: Counter = Counter()
    for row in session.scalars(select(ReportLine)):
        counts[(row.product_id, row.state, row.country)] += row.quantity
    return counts


def test_report_lines_follow_orm_and_plain_sql_changes(session):
    customer(session, "third@example.com")
    a = place(session, "qa.us@example.com", {"aurora-knight-figure": 2})
    b = place(session, "qa.fr@example.com", {"aurora-knight-figure": 1})
    c = place(session, "third@example.com", {"moonlit-dancer-figure": 2})
    assert stored(session) == expected(session) and sum(stored(session).values()) == 5
    # Charged on the confirmed shipping date (ORM).
    fulfilment.finalize_shipping_date(session, [a], clock.today() + timedelta(days=1),
                                      actor="t")
    order_payments.charge_due(session, gateway())
    # A customer cancels (ORM), and a charge fails set by plain SQL.
    aftercare.cancel(session, gateway(), b, user(session, "qa.fr@example.com"), "mistake")
    session.execute(update(Order).where(Order.id == c.id).values(payment_status="failed"))
    session.commit()
    session.expire_all()
    assert stored(session) == expected(session)
    states = {state for (_, state, _) in stored(session)}
    assert states == {"charged", "cancelled", "failed"}
    # A line's quantity changed by SQL; a new week for an order moved in time.
    session.execute(update(OrderLine).where(OrderLine.order_id == c.id).values(quantity=1))
    session.execute(update(Order).where(Order.id == c.id)
                    .values(created_at=clock.now() - timedelta(days=21)))
    session.commit()
    session.expire_all()
    assert stored(session) == expected(session)
    weeks = {r.week for r in session.scalars(select(ReportLine))}
    assert len(weeks) == 2
    report = reports.preorder_report(session)
    moonlit = next(p for p in report.products if p.slug == "moonlit-dancer-figure")
    assert moonlit.units("failed") == 1 and moonlit.orders == 1
