"""Crashes and lost answers leave nothing half-done (issue: nothing lost, items 3 and 5)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from storefront import clock
from storefront.models import Checkout, Email, Order, TestGatewayCharge
from storefront.payments.testgateway import TestGateway
from storefront.services import checkout_steps, placing, recovery, refunds
from storefront.services.checkout_steps import Rules
from storefront.services.errors import PaymentFailed
from tests.builders import confirm, gateway, product, ready_checkout, user
from tests.money import assert_money_adds_up


class Killed(BaseException):
    """The worker process dies here (not an Exception: nothing catches it)."""


class DyingGateway(TestGateway):
    """Charges, then the process is killed before the answer is recorded."""
    __test__ = False

    def charge(self, token, amount_cents, idempotency_key):
        super().charge(token, amount_cents, idempotency_key)
        raise Killed()


def count(session, model, *where):
    session.rollback()
    return session.scalar(select(func.count()).select_from(model).where(*where))


def crash_mid_checkout(session, items):
    me = user(session)
    checkout, seen = ready_checkout(session, me, items)
    with pytest.raises(Killed):
        placing.confirm(session, user=me, token=checkout.token, seen=seen,
                        gateway=DyingGateway(session.session_factory), rules=Rules())
    session.rollback()
    return me, checkout, seen


def test_a_checkout_killed_after_charging_is_completed_by_the_recovery_job(session):
    me, checkout, seen = crash_mid_checkout(session, {"pocket-cat-keychain": 2})
    assert session.get(Checkout, checkout.id).status == "placing"
    assert recovery.recover_checkouts(session, gateway()) == {"completed": 0, "undone": 0,
                                                              "waiting": 0}
    clock.use(clock.now() + timedelta(minutes=11))
    assert recovery.recover_checkouts(session, gateway()) == {"completed": 1, "undone": 0,
                                                              "waiting": 0}
    (order,) = session.scalars(select(Order)).all()
    assert (order.status, order.payment_status) == ("placed", "paid")
    assert count(session, TestGatewayCharge) == 1
    assert count(session, Email, Email.kind == "order_confirmation") == 1
    assert product(session, "pocket-cat-keychain").stock == 48
    assert checkout_steps.load_cart(session, me).lines == []
    print("crash after charging: recovery completed the checkout, 1 order, 1 charge, 1 email")
    # the customer's retry lands on the same, now completed, checkout
    assert confirm(session, me, checkout, seen).status == "completed"
    assert count(session, Order) == 1
    assert_money_adds_up(session)


def test_a_checkout_killed_before_charging_is_undone_and_the_retry_succeeds_once(session):
    class KilledBeforeCharging(TestGateway):
        __test__ = False

        def charge(self, *_args):
            raise Killed()

    me = user(session)
    checkout, seen = ready_checkout(session, me, {"last-one-artbook": 1})
    with pytest.raises(Killed):
        placing.confirm(session, user=me, token=checkout.token, seen=seen,
                        gateway=KilledBeforeCharging(session.session_factory), rules=Rules())
    session.rollback()
    assert product(session, "last-one-artbook").stock == 0  # taken by the dead checkout
    clock.use(clock.now() + timedelta(minutes=11))
    assert recovery.recover_checkouts(session, gateway())["undone"] == 1
    assert product(session, "last-one-artbook").stock == 1
    assert session.get(Checkout, checkout.id).status == "open"
    retry = confirm(session, me, checkout, seen)
    assert retry.status == "completed" and count(session, Order, Order.status == "placed") == 1
    assert count(session, TestGatewayCharge) == 1
    assert_money_adds_up(session)
    print("crash before charging: recovery gave the unit back; the retry made 1 order")


def test_a_charge_whose_answer_never_came_is_refunded_if_it_happened(session):
    class Silent(TestGateway):
        """Charges, but neither the answer nor the look-up gets through."""
        __test__ = False

        def charge(self, token, amount_cents, idempotency_key):
            super().charge(token, amount_cents, idempotency_key)
            raise TimeoutError()

        def lookup(self, idempotency_key):
            raise TimeoutError()

    me = user(session)
    checkout, seen = ready_checkout(session, me, {"pocket-cat-keychain": 1})
    with pytest.raises(PaymentFailed):
        placing.confirm(session, user=me, token=checkout.token, seen=seen,
                        gateway=Silent(session.session_factory), rules=Rules())
    (order,) = session.scalars(select(Order)).all()
    assert order.status == "failed"
    assert recovery.settle_unknown(session, gateway()) == {"settled": 1, "waiting": 0}
    assert refunds.retry_due(session, gateway()) == {"refunded": 1, "waiting": 0}
    assert recovery.settle_unknown(session, gateway()) == {"settled": 0, "waiting": 0}
    kinds = [r.kind for r in session.scalars(select(TestGatewayCharge)
                                             .order_by(TestGatewayCharge.id))]
    print(f"lost answer: gateway movements {kinds}; no order marked paid")
    assert kinds == ["charge", "refund"]
    order = session.get(Order, order.id)
    assert (order.status, order.paid_cents, order.refunded_cents) == ("failed", 1800 + 1200,
                                                                      1800 + 1200)
    assert_money_adds_up(session)
