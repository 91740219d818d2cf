"""One home for order state (issue 11): the move tables and the named checks."""
from __future__ import annotations

import pytest

from storefront.models import Order as OrderModel
from storefront.services import orders, states
from storefront.services.errors import NotAllowed


def test_payment_moves_follow_the_table_and_are_logged():
    """Issue 11 (8): one table of payment moves; a move outside it is refused."""
    order = OrderModel(number="SF-TEST-MOVE", payment_status="incomplete", status="placed")
    order.events = []
    orders.move_payment(order, "charging", why="the shipping date is confirmed")
    orders.move_payment(order, "paid", why="charged")
    assert [e.kind for e in order.events] == ["payment", "payment"]
    assert "charging" in order.events[0].message
    with pytest.raises(NotAllowed):
        orders.move_payment(order, "incomplete", why="never")
    assert order.payment_status == "paid"
    assert set(states.PAYMENT_MOVES) == set(states.PaymentStatus)
    assert all(to in set(states.PaymentStatus) for moves in states.PAYMENT_MOVES.values()
               for to in moves)


def test_update_payment_is_offered_before_the_charge_and_after_a_failed_one_R_PAY_4():
    def order(status, payment):
        return OrderModel(status=status, payment_status=payment)
    assert states.can_update_payment(order("placed", "incomplete"))
    assert states.can_update_payment(order("placed", "failed"))
    for status, payment in (("placed", "charging"), ("placed", "paid"),
                            ("cancelled", "failed"), ("failed", "failed")):
        assert not states.can_update_payment(order(status, payment))


def test_a_returned_order_reads_cancelled_returned_undelivered():
    assert orders.display_status(OrderModel(status="returned", payment_status="paid")) == \
        "Cancelled (returned undelivered)"
