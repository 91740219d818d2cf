"""Provider webhooks (issue 11): each event processed once however often it comes, in any
order, never moving money on an event's word alone; disputes written on the order."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from storefront.models import Order, OrderEvent, Payment, ProviderEvent
from storefront.services import aftercare, refunds, webhooks
from storefront.services.errors import PaymentFailed
from tests.builders import gateway, user
from tests.money import assert_money_adds_up
from tests.reliability.test_money_faults import (
    confirm,
    orders_of,
    provider_does,
    ready_checkout,
    run_jobs,
)


def event(event_id: str, kind: str, **obj) -> dict:
    return {"id": event_id, "type": kind, "data": {"object": obj}}


def paid_diorama(session) -> Order:
    me = user(session)
    checkout, seen = ready_checkout(session, me, {"grand-castle-diorama": 1})
    confirm(session, me, checkout, seen)
    return orders_of(session)[0]


def test_a_replayed_refund_event_confirms_the_refund_once(session):
    """The refund's answer was lost; Stripe's refund.updated arrives three times."""
    order = paid_diorama(session)
    provider_does(session, lose_answers=["refund"])
    aftercare.cancel(session, gateway(), order, user(session), "mistake")
    provider_does(session)
    (refund,) = refunds.of_order(session, order.id)
    assert refund.status == "pending"
    done = [webhooks.handle(session, gateway(), event(
        "evt_1", "refund.updated", id="re_1", status="succeeded",
        metadata={"idempotency_key": refund.idempotency_key})) for _ in range(3)]
    assert done[1:] == ["duplicate", "duplicate"] and "confirmed" in done[0]
    (order,) = orders_of(session)
    assert order.refunded_cents == order.paid_cents
    assert session.scalar(select(func.count()).select_from(ProviderEvent)) == 1
    refunds.retry_due(session, gateway())  # nothing left to retry, nothing twice
    assert orders_of(session)[0].refunded_cents == order.paid_cents
    assert_money_adds_up(session)


def test_payment_events_out_of_order_settle_from_the_providers_truth(session):
    """The charge happened but its answer and the look-ups were lost; "succeeded" comes
    while the provider is still silent, "payment_failed" (stale) after: the look-up decides,
    and the charge of the failed order is refunded."""
    me = user(session)
    checkout, seen = ready_checkout(session, me, {"pocket-cat-keychain": 1})
    provider_does(session, lose_answers=["charge"], outage=["lookup"])
    with pytest.raises(PaymentFailed):
        confirm(session, me, checkout, seen)
    (order,) = orders_of(session)
    key = f"charge-{order.number}"
    webhooks.handle(session, gateway(), event("evt_2", "payment_intent.succeeded", id="pi_1",
                                              metadata={"idempotency_key": key}))
    assert session.scalar(select(Payment.status).where(Payment.idempotency_key == key)) == \
        "unknown"
    provider_does(session)
    webhooks.handle(session, gateway(), event("evt_3", "payment_intent.payment_failed",
                                              id="pi_1", metadata={"idempotency_key": key}))
    assert webhooks.handle(session, gateway(), event(
        "evt_2", "payment_intent.succeeded", id="pi_1",
        metadata={"idempotency_key": key})) == "duplicate"
    run_jobs(session)
    (order,) = orders_of(session)
    assert order.paid_cents == order.refunded_cents == 3000
    assert_money_adds_up(session)


def test_a_dispute_is_written_on_the_order_for_staff(session):
    order = paid_diorama(session)
    intent = session.scalar(select(Payment.gateway_ref).where(Payment.order_id == order.id))
    webhooks.handle(session, gateway(), event("evt_4", "charge.dispute.created", id="dp_1",
                                              payment_intent=intent, amount=126700,
                                              reason="fraudulent"))
    notes = session.scalars(select(OrderEvent.message).where(
        OrderEvent.order_id == order.id, OrderEvent.kind == "dispute_opened")).all()
    assert len(notes) == 1 and "fraudulent" in notes[0] and "126700" in notes[0]
    assert webhooks.handle(session, gateway(), {"type": "x"}) == "ignored: not an event"
    assert_money_adds_up(session)


def test_a_refund_reported_failed_after_its_confirmation_is_reopened_and_retried(session):
    order = paid_diorama(session)
    aftercare.cancel(session, gateway(), order, user(session), "mistake")
    (refund,) = refunds.of_order(session, order.id)
    assert refund.status == "succeeded"
    webhooks.handle(session, gateway(), event("evt_5", "refund.updated", id=refund.gateway_ref,
                                              status="failed", metadata={}))
    (refund,) = refunds.of_order(session, order.id)
    (order,) = orders_of(session)
    assert (refund.status, order.refunded_cents) == ("failed", 0)
    assert refund in refunds.needing_attention(session)

