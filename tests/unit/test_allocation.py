"""Short allocation: the earliest orders keep their units, later ones are cancelled,
refunded where charged and emailed (kind `cancelled`); the stock is set; a second run
changes nothing; a product the manufacturer cancels cancels every open order."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from storefront import clock
from storefront.models import Email, Order, Product, TestGatewayCharge
from storefront.services import allocation, fulfilment, order_payments
from storefront.services.errors import InvalidInput, NotAllowed
from tests.builders import confirm, customer, gateway, product, ready_checkout, user


def place(session, email: str, quantity: int, slug: str = "aurora-knight-figure") -> str:
    person = user(session, email)
    checkout, seen = ready_checkout(session, person, {slug: quantity})
    return confirm(session, person, checkout, seen).orders[0].number


def get(session, number: str) -> Order:
    session.expire_all()
    return session.scalars(select(Order).where(Order.number == number)).one()


@pytest.fixture()
def three_orders(session):
    """qa.us 2 units, then b@ 1 unit, then c@ 2 units, placed in that order."""
    customer(session, "b@example.com")
    customer(session, "c@example.com")
    base = clock.now()
    numbers = []
    for i, (email, qty) in enumerate((("qa.us@example.com", 2), ("b@example.com", 1),
                                      ("c@example.com", 2))):
        clock.use(base + timedelta(minutes=i))
        numbers.append(place(session, email, qty))
    clock.use(None)
    return numbers


def test_plan_keeps_the_earliest_orders_while_the_units_last(session, three_orders):
    first, second, third = three_orders
    plan = allocation.plan(session, product(session, "aurora-knight-figure"), 3)
    assert [o.number for o, _ in plan.keep] == [first, second]
    assert plan.cancel_numbers == [third] and plan.left == 0
    # Strictly by time: when the first order cannot be filled, no later one jumps ahead.
    plan = allocation.plan(session, product(session, "aurora-knight-figure"), 1)
    assert plan.keep == [] and plan.cancel_numbers == [first, second, third]
    assert allocation.plan(session, product(session, "aurora-knight-figure"), 9).left == 4


def test_allocation_cancels_refunds_and_emails_the_rest_and_a_second_run_changes_nothing(
        session, three_orders):
    first, second, third = three_orders
    # The third order is charged (its shipping date confirmed), so it must be refunded.
    fulfilment.finalize_shipping_date(session, [get(session, third)],
                                      clock.today() + timedelta(days=3), actor="test")
    order_payments.charge_due(session, gateway())
    assert get(session, third).payment_status == "paid"
    item = product(session, "aurora-knight-figure")
    done = allocation.allocate(session, gateway(), item, 3, actor="staff:test")
    assert done.cancelled == [third] and done.kept == 2 and done.stock == 0
    assert done.refunded_cents == get(session, third).total_cents > 0
    assert get(session, third).status == "cancelled"
    assert get(session, third).payment_status == "refunded"
    assert {get(session, n).status for n in (first, second)} == {"placed"}
    cancelled = session.scalars(select(Email).where(Email.kind == "cancelled")).all()
    assert [(e.to, e.order_id) for e in cancelled] == [("c@example.com",
                                                        get(session, third).id)]
    assert "fewer units" in cancelled[0].text
    assert product(session, "aurora-knight-figure").stock == 0
    refunds = session.scalars(select(TestGatewayCharge).where(
        TestGatewayCharge.kind == "refund")).all()
    assert len(refunds) == 1
    emails = session.query(Email).count()
    again = allocation.allocate(session, gateway(), product(session, "aurora-knight-figure"), 3,
                                actor="staff:test")
    assert again.cancelled == [] and not again.changed and again.refunded_cents == 0
    assert session.query(Email).count() == emails
    assert session.scalars(select(TestGatewayCharge).where(
        TestGatewayCharge.kind == "refund")).all() == refunds


def test_a_product_the_manufacturer_cancels_cancels_every_open_order(session, three_orders):
    done = allocation.allocate(session, gateway(), product(session, "aurora-knight-figure"), 0,
                               actor="staff:test")
    assert sorted(done.cancelled) == sorted(three_orders) and done.stock == 0
    assert {get(session, n).status for n in three_orders} == {"cancelled"}
    texts = [e.text for e in session.scalars(select(Email).where(Email.kind == "cancelled"))]
    assert len(texts) == 3 and all("manufacturer cancelled" in t for t in texts)


def test_a_changed_plan_since_the_preview_is_refused_and_bad_units_too(session, three_orders):
    item = product(session, "aurora-knight-figure")
    with pytest.raises(NotAllowed):
        allocation.allocate(session, gateway(), item, 3, actor="t", expect_cancel=[])
    assert {get(session, n).status for n in three_orders} == {"placed"}
    for bad in ("-1", "x", "", "99999999"):
        with pytest.raises(InvalidInput):
            allocation.allocate(session, gateway(), item, bad, actor="t")  # type: ignore
    assert session.get(Product, item.id).stock is None


def test_an_order_being_charged_right_now_stops_the_allocation(session, three_orders):
    """A charge in flight could land after the cancellation: nothing is done until it ends."""
    third = get(session, three_orders[2])
    third.payment_status = "charging"
    session.commit()
    with pytest.raises(NotAllowed):
        allocation.allocate(session, gateway(), product(session, "aurora-knight-figure"), 3,
                            actor="t")
    assert {get(session, n).status for n in three_orders} == {"placed"}
    assert session.scalars(select(Email).where(Email.kind == "cancelled")).all() == []
