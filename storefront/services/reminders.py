"""Reminders that keep a preorder payable (issue 11, R-PAY-4): a saved card that expires
before the scheduled release month is worth replacing before the charge; two days before the
deadline of a failed charge, the customer is reminded. Each is sent once per order (an
order event records it, in the same transaction as the email)."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from storefront import clock
from storefront.models import Order, OrderEvent, PaymentMethod
from storefront.services import mail, orders
from storefront.services.states import OrderStatus, PaymentStatus

REMIND_BEFORE_DEADLINE = timedelta(days=2)


def _reminded(kind: str) -> Select[int]:
    return select(OrderEvent.order_id).where(OrderEvent.kind == kind)


def _release(order: Order) -> date | None:
    days = [line.release_date for line in order.lines if line.release_date]
    return max(days) if days else None


def expires_before(method: PaymentMethod | None, release: date | None) -> bool:
    """A card valid through its expiry month that ends before the release month."""
    if method is None or method.kind != "card" or release is None or not method.exp_year:
        return False
    return (method.exp_year, method.exp_month or 12) < (release.year, release.month)


def expiring_cards(session: Session, base_url: str = "") -> int:
    """Email each customer whose uncharged preorder's card expires before the release."""
    waiting = session.scalars(select(Order).where(
        Order.status == OrderStatus.PLACED, Order.payment_status == PaymentStatus.INCOMPLETE,
        Order.id.not_in(_reminded("card_expiry_reminder")))
        .options(selectinload(Order.lines), selectinload(Order.payment_method))).all()
    sent = 0
    for order in waiting:
        release = _release(order)
        if not expires_before(order.payment_method, release):
            continue
        mail.queue(session, order.email, "card_expiring",
                   {"order": order, "release": release, "base_url": base_url})
        orders.log_event(order, "card_expiry_reminder",
                         "Emailed: the saved card expires before the release.")
        sent += 1
    session.commit()
    return sent


def payment_deadlines(session: Session, base_url: str = "") -> int:
    """Two days before the deadline of a failed charge, remind the customer once."""
    now = clock.now()
    due = session.scalars(select(Order).where(
        Order.status == OrderStatus.PLACED, Order.payment_status == PaymentStatus.FAILED,
        Order.payment_due_by <= now + REMIND_BEFORE_DEADLINE, Order.payment_due_by > now,
        Order.id.not_in(_reminded("payment_reminder")))
        .options(selectinload(Order.payment_method))).all()
    for order in due:
        mail.queue(session, order.email, "payment_reminder",
                   {"order": order, "base_url": base_url})
        orders.log_event(order, "payment_reminder", "Emailed: two days left to pay.")
    session.commit()
    return len(due)
