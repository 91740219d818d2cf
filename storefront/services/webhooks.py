"""What the payment provider tells the store on its own (Stripe webhooks, already verified):
a payment that failed or succeeded late, a refund that changed, a dispute opened.

Each event is processed once: its id is written in the transaction that acts on it, and a
second delivery finds it there. Order does not matter: money is never moved on an event's
word alone; a late payment answer settles the order's unknown payments by looking them up at
the provider (the current truth), and a refund follows the refund's own latest status."""
from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storefront import clock
from storefront.models import Order, Payment, ProviderEvent, Refund
from storefront.payments import ChargeResult, Gateway
from storefront.services import orders, refunds, settlement

log = logging.getLogger(__name__)
PAYMENT_EVENTS = ("payment_intent.payment_failed", "payment_intent.succeeded")
REFUND_EVENTS = ("refund.updated", "charge.refund.updated", "refund.failed")
DISPUTE_EVENTS = ("charge.dispute.created",)


def handle(session: Session, gateway: Gateway, event: dict[str, Any], *,
           provider: str = "stripe", base_url: str = "") -> str:
    """Act on one event once; returns what was done ("duplicate" for a replay)."""
    event_id, kind = str(event.get("id", ""))[:255], str(event.get("type", ""))[:100]
    obj = (event.get("data") or {}).get("object") or {}
    if not event_id or not isinstance(obj, dict):
        return "ignored: not an event"
    session.add(ProviderEvent(provider=provider, event_id=event_id, kind=kind,
                              received_at=clock.now()))
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return "duplicate"
    if kind in PAYMENT_EVENTS:
        outcome, settle = _payment(session, obj, kind)
    elif kind in REFUND_EVENTS:
        outcome, settle = _refund(session, obj, base_url), []
    elif kind in DISPUTE_EVENTS:
        outcome, settle = _dispute(session, obj), []
    else:
        outcome, settle = f"ignored: {kind}", []
    row = session.scalars(select(ProviderEvent).where(ProviderEvent.event_id == event_id)).one()
    row.outcome = outcome[:300]
    session.commit()
    for payment_id in settle:  # after the commit: no transaction waits on the provider
        settlement.settle_one(session, gateway, payment_id)
    return outcome


def _order_of_intent(session: Session, intent_id: str) -> Order | None:
    order_id = session.scalar(select(Payment.order_id).where(Payment.gateway_ref == intent_id)
                              .limit(1))
    return session.get(Order, order_id) if order_id else None


def _order_of_key(session: Session, key: str) -> Order | None:
    number = "-".join(key.split("-")[1:4]) if key.count("-") >= 3 else ""
    return session.scalars(select(Order).where(Order.number == number)).one_or_none()


def _payment(session: Session, intent: dict[str, Any], kind: str) -> tuple[str, list[int]]:
    """A payment's late answer: note it; settle the order's unknown payments by look-up."""
    key = str((intent.get("metadata") or {}).get("idempotency_key", ""))
    order = _order_of_key(session, key) or _order_of_intent(session, str(intent.get("id")))
    if order is None:
        return f"ignored: no order for {kind}", []
    word = "succeeded" if kind.endswith("succeeded") else "failed"
    orders.log_event(order, f"provider_payment_{word}",
                     f"The payment provider says payment {intent.get('id')} {word}.")
    unknown = list(session.scalars(select(Payment.id).where(
        Payment.order_id == order.id, Payment.status == settlement.UNKNOWN)))
    return f"payment {word} noted on {order.number}", unknown


def _refund(session: Session, data: dict[str, Any], base_url: str) -> str:
    """A refund's latest status at the provider becomes the refund row's."""
    key = str((data.get("metadata") or {}).get("idempotency_key", ""))
    refund = session.scalars(select(Refund).where(
        (Refund.idempotency_key == key) | (Refund.gateway_ref == str(data.get("id"))))
    ).first()
    if refund is None:
        return "ignored: no such refund"
    status = str(data.get("status", ""))
    if status in ("succeeded", "pending") and refund.status != refunds.SUCCEEDED:
        session.commit()
        refunds.record(session, refund.id, ChargeResult(ok=True, ref=str(data.get("id"))),
                       base_url)
        return f"refund {key} confirmed"
    if status in ("failed", "canceled") and refund.status == refunds.SUCCEEDED:
        refunds.reopen(session, refund, f"The provider reports the refund {status}.")
        return f"refund {key} {status}: reopened"
    return f"refund {key}: {status}, nothing to change"


def _dispute(session: Session, dispute: dict[str, Any]) -> str:
    """A customer disputed a payment: written on the order for staff."""
    order = _order_of_intent(session, str(dispute.get("payment_intent", "")))
    if order is None:
        return "ignored: no order for the dispute"
    amount = int(dispute.get("amount") or 0)
    orders.log_event(order, "dispute_opened",
                     f"Dispute opened at the payment provider: {amount} cents, reason "
                     f"{str(dispute.get('reason', 'unknown'))[:60]} ({dispute.get('id')}).")
    return f"dispute on {order.number}"


def disputes_of(order: Order) -> list[str]:
    """The dispute messages of an order (admin order page)."""
    return [e.message for e in order.events if e.kind == "dispute_opened"]
