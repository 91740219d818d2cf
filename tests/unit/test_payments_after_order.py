"""Money after the order: the deferred charge, Update Payment, deadlines, refunds (R-PAY-*)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from storefront import clock
from storefront.models import Email, Order, PaymentMethod, TestGatewayCharge
from storefront.payments.testgateway import TestGateway
from storefront.services import fulfilment, order_payments, payment_methods
from storefront.services.errors import InvalidInput, NotAllowed, PaymentLocked
from tests.builders import VISA, confirm, gateway, ready_checkout, user
from tests.support.refusals import refused

FAILS_LATER = VISA | {"card_number": "4000 0000 0000 0341"}
MASTERCARD = VISA | {"card_number": "5555 5555 5555 4444"}


def place(session, items, card=None) -> Order:
    """One order placed by the US QA customer, as checkout leaves it."""
    me = user(session)
    checkout, seen = ready_checkout(session, me, items, card)
    return confirm(session, me, checkout, seen).orders[0]


def finalize(session, order, days=30) -> Order:
    """Staff confirm the shipping date; with test config the charge job runs on commit."""
    fulfilment.finalize_shipping_date(session, [order], clock.today() + timedelta(days=days),
                                      actor="staff:test")
    session.expire_all()
    return session.get(Order, order.id)


def charges(session, order, succeeded=None) -> int:
    """Charges the gateway really made for this order's payment methods."""
    tokens = select(PaymentMethod.token).where(PaymentMethod.user_id == order.user_id)
    where = [TestGatewayCharge.kind == "charge", TestGatewayCharge.token.in_(tokens)]
    if succeeded is not None:
        where.append(TestGatewayCharge.succeeded.is_(succeeded))
    return session.scalar(select(func.count()).select_from(TestGatewayCharge).where(*where))


def emails(session, order, kind) -> list[Email]:
    return list(session.scalars(select(Email).where(Email.to == order.email,
                                                    Email.kind == kind)))


def test_a_confirmed_shipping_date_charges_the_preorder_once_however_often_the_job_runs_R_PAY_3(
        session):
    order = place(session, {"aurora-knight-figure": 1})
    assert order.payment_status == "incomplete" and charges(session, order) == 0
    order = finalize(session, order)
    order_payments.charge_due(session, gateway())
    order_payments.charge_due(session, gateway())
    session.expire_all()
    order = session.get(Order, order.id)
    assert order.payment_status == "paid" and order.paid_cents == order.total_cents
    assert charges(session, order) == 1
    [sent] = emails(session, order, "shipping_date")
    assert order.number in sent.subject and sent.sent_at is not None


def test_the_charge_job_finds_nothing_to_do_before_a_shipping_date_is_confirmed_R_PAY_2(session):
    order = place(session, {"aurora-knight-figure": 1})
    assert order_payments.charge_due(session, gateway()) == {"charged": 0, "failed": 0}
    assert charges(session, order) == 0


def test_a_failing_charge_emails_a_payment_error_with_a_one_week_deadline_R_PAY_4(session):
    order = place(session, {"aurora-knight-figure": 1}, FAILS_LATER)
    moment = clock.now()
    order = finalize(session, order)
    assert order.payment_status == "failed" and order.status == "placed"
    due = clock.aware(order.payment_due_by)
    assert moment + timedelta(days=7) <= due <= clock.now() + timedelta(days=7)
    [sent] = emails(session, order, "payment_error")
    assert order.number in sent.subject and "Update Payment" in sent.text
    assert f"/account/orders/{order.number}" in sent.html
    order_payments.charge_due(session, gateway())
    assert charges(session, order) == 1 and len(emails(session, order, "payment_error")) == 1


def test_update_payment_charges_the_new_card_at_once_and_ends_the_deadline_R_PAY_4(session):
    order = finalize(session, place(session, {"aurora-knight-figure": 1}, FAILS_LATER))
    method = payment_methods.new_card(session, user(session), gateway(), MASTERCARD)
    order_payments.update_payment(session, gateway(), order, method)
    session.expire_all()
    order = session.get(Order, order.id)
    assert order.payment_status == "paid" and order.payment_due_by is None
    assert order.payment_method.last4 == "4444"
    assert charges(session, order, succeeded=True) == 1
    assert charges(session, order, succeeded=False) == 1


def test_update_payment_with_a_card_that_fails_too_keeps_the_first_deadline_R_PAY_4(session):
    order = finalize(session, place(session, {"aurora-knight-figure": 1}, FAILS_LATER))
    deadline = order.payment_due_by
    method = payment_methods.new_card(session, user(session), gateway(), FAILS_LATER)
    with pytest.raises(InvalidInput) as refused:
        order_payments.update_payment(session, gateway(), order, method)
    assert "card_number" in refused.value.errors
    session.expire_all()
    order = session.get(Order, order.id)
    assert order.payment_due_by == deadline and order.paid_cents == 0
    assert charges(session, order, succeeded=False) == 2
    assert len(emails(session, order, "payment_error")) == 1


def test_after_a_declined_update_payment_the_order_waits_for_another_card_R_PAY_4(session):
    order = finalize(session, place(session, {"aurora-knight-figure": 1}, FAILS_LATER))
    method = payment_methods.new_card(session, user(session), gateway(), FAILS_LATER)
    with pytest.raises(InvalidInput):
        order_payments.update_payment(session, gateway(), order, method)
    session.expire_all()
    assert session.get(Order, order.id).payment_status == "failed"
    again = payment_methods.new_card(session, user(session), gateway(), VISA)
    order_payments.update_payment(session, gateway(), session.get(Order, order.id), again)
    assert session.get(Order, order.id).payment_status == "paid"


def test_a_payment_service_outage_while_saving_the_new_card_is_a_field_message_R_PAY_4(
        session):
    class Down(TestGateway):
        __test__ = False

        def save_card(self, card):
            raise ConnectionError("gateway unreachable")

    with pytest.raises(InvalidInput) as refused:
        payment_methods.new_card(session, user(session), Down(session.session_factory), VISA)
    assert "did not answer" in refused.value.errors["card_number"]


def test_update_payment_cannot_switch_the_payment_method_to_paypal_R_PAY_5(session):
    order = finalize(session, place(session, {"aurora-knight-figure": 1}, FAILS_LATER))
    paypal = PaymentMethod(user_id=order.user_id, kind="paypal", gateway="test",
                           token="paypal_test_x", created_at=clock.now())
    with refused(PaymentLocked, "method_fixed"):
        order_payments.update_payment(session, gateway(), order, paypal)
    assert charges(session, order) == 1


def test_update_payment_before_the_charge_replaces_the_card_and_charges_nothing_R_PAY_4(
        session):
    """Issue 11: offered before the charge, so a card expiring before the release can go."""
    order = place(session, {"aurora-knight-figure": 1})
    method = payment_methods.new_card(session, user(session), gateway(), MASTERCARD)
    assert order_payments.update_payment(session, gateway(), order, method) is False
    session.expire_all()
    assert (order.payment_status, order.payment_method.last4) == ("incomplete", "4444")
    assert charges(session, order) == 0


def test_update_payment_is_refused_once_the_order_is_paid_R_PAY_4(session):
    order = place(session, {"pocket-cat-keychain": 1})
    method = payment_methods.new_card(session, user(session), gateway(), MASTERCARD)
    with pytest.raises(NotAllowed):
        order_payments.update_payment(session, gateway(), order, method)
    assert charges(session, order) == 1


def test_an_order_still_unpaid_after_its_deadline_is_cancelled_with_an_email_R_PAY_4(session):
    order = finalize(session, place(session, {"aurora-knight-figure": 1}, FAILS_LATER))
    due = clock.aware(order.payment_due_by)
    clock.use(due - timedelta(minutes=1))
    assert order_payments.cancel_overdue(session) == 0
    clock.use(due + timedelta(minutes=1))
    assert order_payments.cancel_overdue(session, base_url="https://shop.test") == 1
    session.expire_all()
    order = session.get(Order, order.id)
    assert order.status == "cancelled" and order.paid_cents == 0
    [sent] = emails(session, order, "payment_deadline_cancelled")
    assert order.number in sent.subject
    assert f"https://shop.test/account/orders/{order.number}" in sent.text
    assert order_payments.cancel_overdue(session) == 0


def test_an_order_paid_before_its_deadline_is_not_cancelled_R_PAY_4(session):
    order = finalize(session, place(session, {"aurora-knight-figure": 1}, FAILS_LATER))
    due = clock.aware(order.payment_due_by)
    method = payment_methods.new_card(session, user(session), gateway(), VISA)
    order_payments.update_payment(session, gateway(), order, method)
    clock.use(due + timedelta(days=1))
    assert order_payments.cancel_overdue(session) == 0
    assert session.get(Order, order.id).status == "placed"


def test_refunds_never_exceed_what_was_paid_R_RET_4(session):
    order = place(session, {"pocket-cat-keychain": 2})
    assert order.payment_status == "paid"
    assert order_payments.refund(session, gateway(), order, order.paid_cents + 5000, "staff:test") \
        == order.paid_cents
    assert order_payments.refund(session, gateway(), order, 100, "staff:test") == 0
    refunded = session.scalar(select(func.sum(TestGatewayCharge.amount_cents))
                              .where(TestGatewayCharge.kind == "refund"))
    session.expire_all()
    order = session.get(Order, order.id)
    assert refunded == order.paid_cents == order.refunded_cents
    assert order.payment_status == "refunded"


def test_nothing_is_refunded_on_an_order_never_charged_R_RET_4(session):
    order = place(session, {"aurora-knight-figure": 1})
    assert order_payments.refund(session, gateway(), order, 5000, "staff:test") == 0
    assert session.scalar(select(func.count()).select_from(TestGatewayCharge)
                          .where(TestGatewayCharge.kind == "refund")) == 0


def test_a_returned_parcel_refunds_paid_minus_round_trip_and_never_below_zero_R_RET_4(session):
    order = place(session, {"pocket-cat-keychain": 1})  # 12.00 + 18.00 shipping, paid
    paid = order.paid_cents
    fulfilment.mark_shipped(session, order, "UPS", "1Z999", actor="staff:test")
    assert fulfilment.mark_returned(session, gateway(), order, actor="staff:test") == 0
    [sent] = emails(session, order, "cancelled")
    assert order.number in sent.subject and "no refund" in sent.text
    assert not emails(session, order, "refund") and paid == 3000

    other = place(session, {"pocket-cat-keychain": 5})  # 60.00 + 18.00
    fulfilment.mark_shipped(session, other, "UPS", "1Z998", actor="staff:test")
    refunded = fulfilment.mark_returned(session, gateway(), other, actor="staff:test",
                                        round_trip_cents=2000)
    assert refunded == other.paid_cents - 2000
    [sent] = [e for e in emails(session, other, "refund") if other.number in e.subject]
    assert "$58.00" in sent.text
