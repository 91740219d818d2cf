"""What a customer may do with a placed order: address, cancel, exchange (R-SHP-4, R-RET-*)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from storefront import clock
from storefront.models import Email, Order, TestGatewayCharge
from storefront.payments.testgateway import TestGateway
from storefront.services import addresses, aftercare, fulfilment, mail
from storefront.services.errors import ExchangeRefused, InvalidInput, NotAllowed, OrderLocked
from tests.builders import US_ADDRESS, confirm, gateway, product, ready_checkout, user
from tests.support.refusals import refused

NEW_ADDRESS = US_ADDRESS | {"full_name": "Robin Park", "line1": "9 Elm Road"}


def place(session, items) -> Order:
    me = user(session)
    checkout, seen = ready_checkout(session, me, items)
    return confirm(session, me, checkout, seen).orders[0]


def finalize(session, order) -> None:
    fulfilment.finalize_shipping_date(session, [order], clock.today() + timedelta(days=30),
                                      actor="staff:test")


def kinds(session, order) -> list[str]:
    return list(session.scalars(select(Email.kind).where(Email.to == order.email,
                                                         Email.kind != "order_confirmation")
                                .order_by(Email.id)))


def test_the_address_of_an_order_changes_until_the_shipping_date_email_R_SHP_4(session):
    me, order = user(session), place(session, {"aurora-knight-figure": 1})
    book = [a.snapshot() for a in me.addresses]
    aftercare.change_address(session, order, me, NEW_ADDRESS)
    assert order.shipping_address["line1"] == "9 Elm Road"
    assert [a.snapshot() for a in me.addresses] == book  # the address book is not touched
    assert order.events[-1].kind == "address_changed"
    finalize(session, order)
    assert aftercare.address_locked(order)
    with refused(OrderLocked, "address_locked"):
        aftercare.change_address(session, order, me, US_ADDRESS)
    assert session.get(Order, order.id).shipping_address["line1"] == "9 Elm Road"


def test_a_saved_address_can_be_chosen_and_the_book_does_not_follow_later_R_SHP_4(session):
    me, order = user(session), place(session, {"aurora-knight-figure": 1})
    other = addresses.save_new(session, me, NEW_ADDRESS)
    session.commit()
    aftercare.change_address(session, order, me, {}, other.id)
    assert order.shipping_address == other.snapshot()
    other.line1 = "77 Changed Street"
    session.commit()
    assert session.get(Order, order.id).shipping_address["line1"] == "9 Elm Road"


def test_a_new_address_outside_the_account_region_is_refused_R_ACC_5(session):
    me, order = user(session), place(session, {"aurora-knight-figure": 1})
    with pytest.raises(InvalidInput) as refused:
        aftercare.change_address(session, order, me, NEW_ADDRESS | {"country": "FR"})
    assert "country" in refused.value.errors


def test_a_preorder_is_cancelled_before_its_shipping_date_with_an_email_R_RET_3(session):
    me, order = user(session), place(session, {"aurora-knight-figure": 1})
    assert aftercare.cancel_refusal(order) is None
    aftercare.cancel(session, gateway(), order, me, "mistake", "https://shop.test")
    assert order.status == "cancelled" and order.cancel_reason == "I ordered by mistake"
    assert kinds(session, order) == ["cancelled"]  # nothing was charged, nothing to refund
    sent = session.scalars(select(Email).where(Email.kind == "cancelled")).one()
    assert order.number in sent.subject and "not been charged" in sent.text


def test_a_preorder_charged_at_ordering_is_refunded_in_full_when_cancelled_R_RET_3(session):
    me, order = user(session), place(session, {"grand-castle-diorama": 1})
    assert order.payment_status == "paid"
    aftercare.cancel(session, gateway(), order, me, "no_longer_needed")
    assert order.refunded_cents == order.paid_cents == order.total_cents
    assert kinds(session, order) == ["cancelled", "refund"]
    refund = session.scalars(select(TestGatewayCharge)
                             .where(TestGatewayCharge.kind == "refund")).one()
    assert refund.amount_cents == order.total_cents


@pytest.mark.parametrize("reason", ["release_date_changed", "reorder_with_coupon"])
def test_cancelling_for_a_release_date_change_or_a_coupon_is_refused_R_RET_3_R_SHP_5(
        session, reason):
    me, order = user(session), place(session, {"aurora-knight-figure": 1})
    with pytest.raises(NotAllowed):
        aftercare.cancel(session, gateway(), order, me, reason)
    assert session.get(Order, order.id).status == "placed" and kinds(session, order) == []


def test_an_unknown_cancel_reason_is_a_field_error_R_RET_3(session):
    me, order = user(session), place(session, {"aurora-knight-figure": 1})
    with pytest.raises(InvalidInput) as refused:
        aftercare.cancel(session, gateway(), order, me, "")
    assert "reason" in refused.value.errors


def test_an_in_stock_order_cannot_be_cancelled_once_paid_R_RET_3(session):
    me, order = user(session), place(session, {"pocket-cat-keychain": 1})
    assert aftercare.cancel_refusal(order).code == "in_stock"
    with pytest.raises(NotAllowed):
        aftercare.cancel(session, gateway(), order, me, "mistake")


def test_a_preorder_cannot_be_cancelled_once_its_shipping_date_is_confirmed_R_RET_3(session):
    me, order = user(session), place(session, {"aurora-knight-figure": 1})
    finalize(session, order)
    assert aftercare.cancel_refusal(order).code == "shipping_date_confirmed"
    with pytest.raises(NotAllowed):
        aftercare.cancel(session, gateway(), order, me, "mistake")


def test_a_product_that_does_not_allow_it_cannot_be_cancelled_R_RET_3(session):
    me, order = user(session), place(session, {"aurora-knight-figure": 1})
    product(session, "aurora-knight-figure").cancellable = False
    session.commit()
    assert aftercare.cancel_refusal(order).code == "not_cancellable"
    with pytest.raises(NotAllowed):
        aftercare.cancel(session, gateway(), order, me, "mistake")


def test_an_exchange_is_asked_for_after_shipment_and_approved_with_a_replacement_R_RET_2(
        session):
    me, order = user(session), place(session, {"pocket-cat-keychain": 1})
    with pytest.raises(NotAllowed):
        aftercare.request_exchange(session, order, me, "The ring is broken off.")
    fulfilment.mark_shipped(session, order, "UPS", "1Z999", actor="staff:test")
    with pytest.raises(InvalidInput):
        aftercare.request_exchange(session, order, me, "broken")
    aftercare.request_exchange(session, order, me, "The ring is broken off.")
    with refused(ExchangeRefused, "exchange_pending"):
        aftercare.request_exchange(session, order, me, "The ring is broken off.")
    fulfilment.approve_exchange(session, order, actor="staff:test")
    assert [e.status for e in order.exchanges] == ["approved"]
    assert kinds(session, order) == ["shipped", "exchange_approved"]


class Crash(BaseException):
    """The process dies (a deploy, an OOM kill) while waiting on the gateway."""


class CrashingGateway(TestGateway):
    __test__ = False

    def refund(self, ref: str, amount_cents: int, idempotency_key: str):
        raise Crash()


def test_a_cancellation_is_never_committed_without_its_email_R_COM_2(session):
    me, order = user(session), place(session, {"grand-castle-diorama": 1})
    with pytest.raises(Crash):
        aftercare.cancel(session, CrashingGateway(session.session_factory), order, me,
                         "mistake")
    session.rollback()
    session.expire_all()
    cancelled = session.get(Order, order.id).status == "cancelled"
    assert not cancelled or kinds(session, order) == ["cancelled"]


def test_every_order_email_names_the_order_number_and_escapes_what_it_shows_R_COM_1(session):
    order = place(session, {"aurora-knight-figure": 1})
    order.shipping_address = order.shipping_address | {"full_name": "<b>Sam</b>"}
    order.carrier, order.tracking_number = "UPS", "1Z<9>"
    order.shipping_date = clock.today()
    order.payment_due_by = clock.now()
    aurora = product(session, "aurora-knight-figure")
    base = {"order": order, "base_url": "https://shop.test"}
    contexts = {
        "shipping_date": base | {"changed": True},
        "release_date_changed": base | {"product": aurora, "old": clock.today(),
                                        "new": clock.today() + timedelta(days=9)},
        "payment_error": base | {"error": "Your card was declined."},
        "payment_deadline_cancelled": base, "shipped": base, "exchange_approved": base,
        "cancelled": base | {"refunded": 1500, "round_trip": 3600, "reason": "<why>"},
        "refund": base | {"refunded": 1500},
    }
    for kind, context in contexts.items():
        subject, text, html = mail.render(kind, context)
        assert order.number in subject, kind
        assert f"https://shop.test/account/orders/{order.number}" in text + html, kind
        assert "<b>Sam</b>" not in html and "1Z<9>" not in html and "<why>" not in html, kind
    subject, text, _ = mail.render("shipped", base)
    assert "UPS" in text and "1Z<9>" in text
    subject, text, _ = mail.render("account_restricted", {"user": user(session),
                                                          "reason": "Refused delivery"})
    assert "Refused delivery" in text and subject
