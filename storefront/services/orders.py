"""Orders: readable numbers, one table of status moves, and the event log."""
from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from storefront import clock
from storefront.models import Order, OrderEvent
from storefront.services import states
from storefront.services.errors import NotFound, OrderLocked, PaymentLocked
from storefront.services.states import FulfilmentStatus, OrderStatus, PaymentStatus

# No 0/O, 1/I/L or U: a number a person can read out on the phone without spelling it.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"

# Order status moves and the orders a customer sees live in services.states.
STATUS_MOVES = states.ORDER_MOVES
VISIBLE = states.VISIBLE


def new_number() -> str:
    """'SF-7KQ2-M9XA': two groups of four from an unambiguous alphabet."""
    chars = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"SF-{chars[:4]}-{chars[4:]}"


def log_event(order: Order, kind: str, message: str = "", actor: str = "system") -> None:
    """Append to the order's log (in the caller's transaction)."""
    order.events.append(OrderEvent(at=clock.now(), actor=actor, kind=kind, message=message))


def lock(session: Session, order: Order) -> Order:
    """Take the order's row lock and re-read it: whatever was loaded before may be stale
    (another request may have changed it since). Every action on an order starts here."""
    session.execute(select(Order.id).where(Order.id == order.id).with_for_update())
    session.refresh(order)
    return order


def move(order: Order, status: str, *, actor: str, why: str) -> None:
    """Change the order status along the table, logging who and why."""
    if status not in STATUS_MOVES.get(order.status, set()):
        raise OrderLocked(f"Order {order.number} cannot go from {order.status} to {status}.",
                          code="status_move")
    old, order.status = order.status, status
    log_event(order, "status", f"{old} \u2192 {status}: {why}", actor)


def move_payment(order: Order, status: str, *, actor: str = "system", why: str) -> None:
    """Change the payment status along services.states.PAYMENT_MOVES, logging who and why."""
    if status == order.payment_status and status != states.PaymentStatus.PARTIALLY_REFUNDED:
        return
    if status not in states.PAYMENT_MOVES.get(order.payment_status, set()):
        raise PaymentLocked(f"The payment of order {order.number} cannot go from "
                            f"{order.payment_status} to {status}.", code="status_move")
    old, order.payment_status = order.payment_status, status
    log_event(order, "payment", f"Payment {old} \u2192 {status}: {why}", actor)


def display_status(order: Order) -> str:
    """The status the customer reads (R-PAY-2: unpaid preorders read 'Incomplete')."""
    if states.is_open(order):
        if order.payment_status in (PaymentStatus.INCOMPLETE, PaymentStatus.CHARGING):
            return "Incomplete"
        if order.payment_status == PaymentStatus.FAILED:
            return "Payment error"
        if order.fulfilment_status == FulfilmentStatus.UNFULFILLED:
            return "Paid"
        return "Shipping date confirmed"
    labels: dict[str, str] = {
        OrderStatus.SHIPPED: "Shipped", OrderStatus.CANCELLED: "Cancelled",
        OrderStatus.RETURNED: "Cancelled (returned undelivered)",
        OrderStatus.COMPLETED: "Delivered", OrderStatus.PENDING_PAYMENT: "Processing",
        OrderStatus.FAILED: "Failed"}
    return labels.get(order.status, order.status.title())


def history(session: Session, user_id: int) -> list[Order]:
    """The customer's orders, newest first, in one query."""
    return list(session.scalars(
        select(Order).where(Order.user_id == user_id, Order.status.in_(VISIBLE))
        .order_by(Order.created_at.desc(), Order.id.desc())))


def get_for_customer(session: Session, user_id: int, number: str) -> Order:
    """The customer's own order with lines and events; anyone else's is NotFound."""
    order = session.scalars(
        select(Order).where(Order.number == number, Order.user_id == user_id,
                            Order.status.in_(VISIBLE))
        .options(selectinload(Order.lines), selectinload(Order.events),
                 selectinload(Order.payment_method))).one_or_none()
    if order is None:
        raise NotFound("No such order.")
    return order
