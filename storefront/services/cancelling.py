"""Staff cancel and refund (issue 11): any unshipped order cancelled with a reason (stock
returned, what was paid refunded, the customer emailed), and partial refunds of paid orders,
never above what was paid less what was refunded or is on its way back.

The refunds are written with the change and committed before the provider is asked, so a
caller without a gateway (the back office's allocation, a script) leaves them to the refunds
job; with a gateway they are tried at once."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from storefront.models import Order, Refund
from storefront.payments import Gateway
from storefront.services import mail, order_payments, orders, refunds
from storefront.services.errors import (
    ChargeInProgress,
    InvalidInput,
    NotFound,
    OrderLocked,
    RefundRefused,
)
from storefront.services.money import usd
from storefront.services.states import OrderStatus, PaymentStatus, is_open


def _reason(text: str) -> str:
    reason = " ".join((text or "").split())[:300]
    if not reason:
        raise InvalidInput({"reason": "Say why: the customer is told."})
    return reason


def _locked(session: Session, order_id: int) -> Order:
    order = session.scalars(select(Order).where(Order.id == order_id)
                            .options(selectinload(Order.lines))).one_or_none()
    if order is None:
        raise NotFound("No such order.")
    return orders.lock(session, order)


def staff_cancel(session: Session, order_id: int, reason: str, actor: str, *,
                 gateway: Gateway | None = None, base_url: str = "") -> Order:
    """Cancel an unshipped order: stock back, everything paid refunded, customer emailed."""
    reason = _reason(reason)
    order = _locked(session, order_id)
    if not is_open(order):
        raise OrderLocked(f"Only unshipped orders can be cancelled (this one is {order.status}).",
                          code="not_open")
    if order.payment_status == PaymentStatus.CHARGING:
        raise ChargeInProgress("A charge of this order is in progress; try again in a few "
                               "minutes.")
    orders.move(order, OrderStatus.CANCELLED, actor=actor, why=reason)
    order.cancel_reason = reason
    order.charge_due_at = order.payment_due_by = None
    order_payments.release_stock(session, order)
    refund = refunds.open_refund(session, order, refunds.refundable_cents(session, order),
                                 reason=f"cancelled by the store: {reason}", actor=actor)
    mail.queue(session, order.email, "cancelled",
               {"order": order, "refunded": refund.amount_cents if refund else 0,
                "round_trip": 0, "reason": reason, "base_url": base_url})
    session.commit()
    _try(session, gateway, refund, base_url)
    return order


def staff_refund(session: Session, order_id: int, amount_cents: int, reason: str, actor: str,
                 *, gateway: Gateway | None = None, base_url: str = "") -> Refund:
    """Give back part of what a paid order took; never more than is left to give back."""
    reason = _reason(reason)
    order = _locked(session, order_id)
    left = refunds.refundable_cents(session, order)
    if left <= 0:
        raise RefundRefused("Nothing is left to refund on this order.", code="nothing_to_refund")
    if not 0 < amount_cents <= left:
        raise InvalidInput({"amount": f"Enter an amount above 0 and at most {usd(left)}."})
    refund = refunds.open_refund(session, order, amount_cents,
                                 reason=f"refunded by the store: {reason}", actor=actor)
    assert refund is not None  # amount_cents is within what is refundable
    session.commit()
    _try(session, gateway, refund, base_url)
    return refund


def _try(session: Session, gateway: Gateway | None, refund: Refund | None,
         base_url: str) -> None:
    if gateway is not None and refund is not None:
        refunds.attempt(session, gateway, refund.id, base_url)
