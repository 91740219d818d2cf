"""Money under faults (issue 11): against a provider that declines, goes silent or loses its
answers, no customer ever pays for nothing and no order is paid without money. Each test ends
with the invariant: money kept by the provider = money the orders say was paid, not refunded.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from storefront import clock
from storefront.models import Checkout, Email, Order, Payment, TestGatewayCharge
from storefront.payments import faults, testgateway
from storefront.payments.testgateway import TestGateway
from storefront.services import aftercare, placing, recovery, refunds
from storefront.services.checkout_steps import Rules
from storefront.services.errors import PaymentFailed
from tests.builders import confirm, gateway, product, ready_checkout, user
from tests.money import assert_money_adds_up
from tests.support.refusals import refused

SPLIT = {"pocket-cat-keychain": 1, "grand-castle-diorama": 1}  # both charged at confirmation
LIMITED = {"card_number": "4000 0000 0000 9995", "card_expiry": "12/39", "card_cvc": "123",
           "card_name": "Quinn Avery"}


def provider_does(session, **wanted):
    faults.store(session, {mode: list(ops) for mode, ops in wanted.items()})
    session.commit()


def ledger(session) -> list[tuple[str, bool]]:
    session.rollback()
    session.expire_all()
    return [(r.kind, r.succeeded) for r in session.scalars(
        select(TestGatewayCharge).where(~TestGatewayCharge.idempotency_key.like("verify-%"))
        .order_by(TestGatewayCharge.id))]


def run_jobs(session) -> None:
    """What the due jobs do for money: settle unknown answers, then retry refunds."""
    recovery.recover_checkouts(session, gateway())
    recovery.settle_unknown(session, gateway())
    refunds.retry_due(session, gateway())


def orders_of(session) -> list[Order]:
    session.rollback()
    session.expire_all()
    return list(session.scalars(select(Order).order_by(Order.position)))


def test_a_decline_in_the_middle_of_a_split_takes_no_money(session):
    """The 9995 card holds 30.00 USD for the in-stock order, then refuses 1,267.00: the hold
    is voided, nothing is captured, both orders fail, the stock comes back."""
    me = user(session)
    checkout, seen = ready_checkout(session, me, SPLIT, card=LIMITED)
    with refused(PaymentFailed) as declined:
        confirm(session, me, checkout, seen)
    assert declined.value.message == testgateway.INSUFFICIENT_FUNDS  # the provider's reason
    kinds = ledger(session)
    print(f"decline mid-split: provider movements {kinds}")
    assert ("capture", True) not in kinds and ("charge", True) not in kinds
    if ("auth", True) in kinds:
        assert ("void", True) in kinds
    assert [o.status for o in orders_of(session)] == ["failed", "failed"]
    assert product(session, "pocket-cat-keychain").stock == 50
    assert session.get(Checkout, checkout.id).status == "open"
    assert_money_adds_up(session)


class SecondCaptureDeclined(TestGateway):
    """Captures the first authorisation of a checkout and refuses the second."""
    __test__ = False
    captures = 0

    def capture(self, ref, amount_cents, idempotency_key):
        SecondCaptureDeclined.captures += 1
        if SecondCaptureDeclined.captures == 2:
            provider_does(self._sessions(), decline=["capture"])
        try:
            return super().capture(ref, amount_cents, idempotency_key)
        finally:
            provider_does(self._sessions())


def test_a_capture_that_fails_after_authorisation_is_refunded_and_the_other_hold_voided(
        session):
    me = user(session)
    checkout, seen = ready_checkout(session, me, SPLIT)
    with pytest.raises(PaymentFailed):
        placing.confirm(session, user=me, token=checkout.token, seen=seen,
                        gateway=SecondCaptureDeclined(session.session_factory), rules=Rules())
    kinds = ledger(session)
    print(f"capture failure: provider movements {kinds}")
    assert kinds == [("auth", True), ("auth", True), ("capture", True), ("capture", False),
                     ("void", True), ("refund", True)]
    first, second = orders_of(session)
    assert (first.status, first.paid_cents, first.refunded_cents) == ("failed", 3000, 3000)
    assert (second.status, second.paid_cents) == ("failed", 0)
    assert_money_adds_up(session)


@pytest.mark.parametrize("operation", ["authorize", "capture", "charge"])
def test_a_lost_answer_to_a_charge_is_found_by_its_key_and_charged_once(session, operation):
    """The provider does it but the answer is lost: the same key is asked again, then looked
    up; the order is paid once."""
    me = user(session)
    items = {"pocket-cat-keychain": 1} if operation == "charge" else SPLIT
    checkout, seen = ready_checkout(session, me, items)
    provider_does(session, lose_answers=[operation])
    assert confirm(session, me, checkout, seen).status == "completed"
    provider_does(session)
    assert all(o.payment_status == "paid" for o in orders_of(session))
    taken = [k for k in ledger(session) if k[0] in ("charge", "capture")]
    assert taken == [(("charge" if operation == "charge" else "capture"), True)] * len(items)
    assert_money_adds_up(session)


def test_a_lost_answer_and_a_silent_lookup_stay_unknown_until_the_provider_answers(session):
    """The charge happened, its answer and every look-up are lost: the order fails, the
    charge is written down as unknown, and once the provider answers it is refunded."""
    me = user(session)
    checkout, seen = ready_checkout(session, me, {"pocket-cat-keychain": 1})
    provider_does(session, lose_answers=["charge"], outage=["lookup"])
    with pytest.raises(PaymentFailed):
        confirm(session, me, checkout, seen)
    run_jobs(session)  # still silent: nothing is read as "no charge"
    (order,) = orders_of(session)
    assert order.status == "failed"
    unknown = session.scalar(select(func.count()).select_from(Payment)
                             .where(Payment.status == "unknown"))
    assert unknown == 1
    provider_does(session)
    run_jobs(session)
    assert ledger(session) == [("charge", True), ("refund", True)]
    (order,) = orders_of(session)
    assert order.paid_cents == order.refunded_cents == 3000
    assert_money_adds_up(session)


def test_a_lost_void_answer_is_asked_again_under_the_same_key(session):
    me = user(session)
    checkout, seen = ready_checkout(session, me, SPLIT, card=LIMITED)
    provider_does(session, outage=["void"])
    with pytest.raises(PaymentFailed):
        confirm(session, me, checkout, seen)
    provider_does(session, lose_answers=["void"])
    run_jobs(session)
    provider_does(session)
    run_jobs(session)
    voids = [k for k in ledger(session) if k[0] == "void"]
    holds = [k for k in ledger(session) if k == ("auth", True)]
    assert voids == [("void", True)] * len(holds)
    assert session.scalar(select(func.count()).select_from(Payment)
                          .where(Payment.status == "pending")) == 0
    assert_money_adds_up(session)


@pytest.mark.parametrize("fault", ["outage", "lose_answers", "decline"])
def test_a_refund_the_provider_does_not_confirm_stays_pending_and_is_retried(session, fault):
    """A cancelled preorder paid at ordering: the refund row waits, the job retries it with
    back-off, the customer hears "on its way" then "refunded" (one refund at the provider)."""
    me = user(session)
    checkout, seen = ready_checkout(session, me, {"grand-castle-diorama": 1})
    assert confirm(session, me, checkout, seen).status == "completed"
    (order,) = orders_of(session)
    provider_does(session, **{fault: ["refund"]})
    aftercare.cancel(session, gateway(), order, me, "mistake")
    (refund,) = refunds.of_order(session, order.id)
    assert refund.status in ("pending", "failed")
    assert refunds.status_word([refund]) == "pending"
    refunds.retry_due(session, gateway())  # not due yet: back-off
    provider_does(session)
    clock.use(clock.now() + timedelta(minutes=2))
    run_jobs(session)
    session.rollback()
    (refund,) = refunds.of_order(session, order.id)
    assert refunds.status_word([refund]) == "refunded"
    assert [k for k in ledger(session) if k[0] == "refund"] == (
        [("refund", False), ("refund", True)] if fault == "decline" else [("refund", True)])
    kinds = [e.kind for e in session.scalars(select(Email).where(Email.to == me.email)
                                             .order_by(Email.id))]
    assert kinds[-2:] == ["cancelled", "refund"]
    assert_money_adds_up(session)


def test_a_lookup_outage_during_recovery_leaves_the_checkout_for_the_next_run(session):
    from tests.reliability.test_recovery import crash_mid_checkout

    me, checkout, seen = crash_mid_checkout(session, {"pocket-cat-keychain": 2})
    clock.use(clock.now() + timedelta(minutes=11))
    provider_does(session, outage=["lookup"])
    assert recovery.recover_checkouts(session, gateway())["waiting"] == 1
    assert session.get(Checkout, checkout.id).status == "placing"
    assert orders_of(session)[0].status == "pending_payment"  # not undone: no answer
    provider_does(session)
    assert recovery.recover_checkouts(session, gateway())["completed"] == 1
    assert orders_of(session)[0].payment_status == "paid"
    assert_money_adds_up(session)
