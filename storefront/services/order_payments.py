"""Money after the order: deferred charges, Update Payment, deadlines, refunds (R-PAY-*).

Every gateway call happens outside a database transaction: the order is claimed first
(an atomic status change only one caller can win), the gateway is called with an
idempotency key, and the outcome is recorded in a transaction of its own."""
from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storefront import clock
from storefront.models import Order, Payment, PaymentMethod, Product
from storefront.payments import ChargeResult, Gateway
from storefront.services import idempotency, mail, orders, refunds, rows, settlement, states
from storefront.services.errors import (
    ChargeInProgress,
    InvalidInput,
    PaymentLocked,
    ProviderUnavailable,
)
from storefront.services.states import OrderStatus, PaymentStatus

log = logging.getLogger(__name__)
PAYMENT_DEADLINE = timedelta(days=7)  # R-PAY-4, configurable through charge_due(...)
STALE_CLAIM = timedelta(minutes=10)


def _claim(session: Session, order_id: int, from_status: tuple[str, ...]) -> bool:
    """Move the payment to 'charging' if it is still in one of from_status; one winner."""
    won = rows.changed(session, update(Order)
                       .where(Order.id == order_id, Order.status == OrderStatus.PLACED,
                              Order.payment_status.in_(from_status))
                       .values(payment_status=PaymentStatus.CHARGING, charge_due_at=clock.now())
                       .execution_options(synchronize_session=False))
    session.commit()
    session.expire_all()  # what is in memory predates the claim
    return won == 1


def gateway_charge(gateway: Gateway, token: str, amount: int, key: str) -> ChargeResult:
    """Charge; a lost answer is retried under the same key, then looked up (settlement.ask)."""
    return settlement.ask(partial(gateway.charge, token, amount, key),
                          partial(gateway.lookup, key))


def charge_order(session: Session, gateway: Gateway, order_id: int, *, deadline: timedelta
                 = PAYMENT_DEADLINE, base_url: str = "") -> bool | None:
    """Charge a preorder whose shipping date is confirmed (R-PAY-3); None if not ours to do."""
    if not _claim(session, order_id, (PaymentStatus.INCOMPLETE,)):
        return None
    order = session.get_one(Order, order_id)
    key = idempotency.key("charge", order.number, order.charge_attempts + 1)
    token = order.payment_method.token if order.payment_method else ""
    amount = order.total_cents
    session.commit()
    result = gateway_charge(gateway, token, amount, key)
    if result.unknown:  # stay claimed: the stale-claim retry asks again under this key
        log.warning("charge %s: outcome unknown, will retry with the same key", key)
        return None
    return _record(session, order_id, key, result, deadline, base_url)


def _record(session: Session, order_id: int, key: str, result: ChargeResult,
            deadline: timedelta, base_url: str) -> bool:
    order = session.get_one(Order, order_id)
    order.charge_attempts += 1
    session.add(Payment(order_id=order.id, kind="charge", amount_cents=order.total_cents,
                        idempotency_key=key, status="succeeded" if result.ok else "failed",
                        gateway_ref=result.ref, error=result.error[:300],
                        created_at=clock.now()))
    if result.ok:
        orders.move_payment(order, PaymentStatus.PAID, why="charged")
        order.paid_cents = order.total_cents
        order.paid_at, order.payment_due_by, order.charge_due_at = clock.now(), None, None
        orders.log_event(order, "charged", f"Charged {order.total_cents} cents ({result.ref}).")
    else:
        orders.move_payment(order, PaymentStatus.FAILED, why="the charge failed")
        order.charge_due_at = None
        if order.payment_due_by is None:
            order.payment_due_by = clock.now() + deadline
            mail.queue(session, order.email, "payment_error",
                       {"order": order, "base_url": base_url, "error": result.error})
        orders.log_event(order, "charge_failed", result.error or "The charge failed.")
    session.commit()
    return result.ok


def charge_due(session: Session, gateway: Gateway, *, deadline: timedelta = PAYMENT_DEADLINE,
               base_url: str = "") -> dict[str, int]:
    """The job: charge every order due now; a second run, or a parallel one, charges none."""
    now = clock.now()
    stale = now - STALE_CLAIM
    due = session.scalars(select(Order.id).where(
        Order.status == OrderStatus.PLACED,
        ((Order.payment_status == PaymentStatus.INCOMPLETE) & (Order.charge_due_at <= now))
        | ((Order.payment_status == PaymentStatus.CHARGING)
           & (Order.charge_due_at <= stale)))).all()
    session.commit()
    counts = {"charged": 0, "failed": 0}
    for order_id in due:
        # A claim left by a crashed run is retried under its original idempotency key.
        session.execute(update(Order).where(Order.id == order_id,
                                            Order.payment_status == PaymentStatus.CHARGING,
                                            Order.charge_due_at <= stale)
                        .values(payment_status=PaymentStatus.INCOMPLETE))
        session.commit()
        outcome = charge_order(session, gateway, order_id, deadline=deadline, base_url=base_url)
        if outcome is not None:
            counts["charged" if outcome else "failed"] += 1
    return counts


def update_payment(session: Session, gateway: Gateway, order: Order, method: PaymentMethod,
                   base_url: str = "") -> bool:
    """Update Payment with new details of the same method (R-PAY-4, R-PAY-5): before the
    charge they replace the old ones (charged on the shipping date); after a failed charge
    they are charged at once. True when charged now."""
    order = orders.lock(session, order)
    if not states.can_update_payment(order):
        raise PaymentLocked("This order has no payment to fix.", code="nothing_to_pay")
    due_by = clock.aware(order.payment_due_by)
    failed = order.payment_status == PaymentStatus.FAILED
    if failed and due_by is not None and due_by <= clock.now():
        raise PaymentLocked("The payment deadline of this order has passed.",
                            code="deadline_passed")
    current = order.payment_method.kind if order.payment_method else "card"
    if method.kind != current:
        raise PaymentLocked("The payment method cannot be changed after ordering; "
                            "use another card of the same method.", code="method_fixed")
    if order.payment_status == PaymentStatus.INCOMPLETE:
        _replace(session, order, method)
        return False
    order_id = order.id
    # The new card and the claim in one conditional UPDATE: of parallel submissions, only
    # the one that claims the charge sets its card.
    if not _set_method(session, order_id, method, PaymentStatus.FAILED,
                       payment_status=PaymentStatus.CHARGING, charge_due_at=clock.now()):
        session.rollback()
        raise ChargeInProgress("This order is already being paid.")
    orders.log_event(order, "payment_updated", f"New payment details: {method.label}.",
                     order.email)
    session.commit()
    session.expire_all()
    order = session.get_one(Order, order_id)
    key = idempotency.key("charge", order.number, order.charge_attempts + 1)
    token, amount = method.token, order.total_cents
    session.commit()
    result = gateway_charge(gateway, token, amount, key)
    if result.unknown:  # stays claimed; the job asks again under the same key
        raise ProviderUnavailable("The payment service did not answer. We will retry the charge "
                                  "shortly; please check this order again in a few minutes.")
    if not _record(session, order_id, key, result, PAYMENT_DEADLINE, base_url):
        raise InvalidInput({"card_number": "This card was declined too. Please try another."})
    return True


def _replace(session: Session, order: Order, method: PaymentMethod) -> None:
    """Before the charge: the new details replace the old, unless the charge just began."""
    if not _set_method(session, order.id, method, PaymentStatus.INCOMPLETE):
        session.rollback()
        raise ChargeInProgress("This order is being charged right now. Please check it again "
                               "in a few minutes.")
    orders.log_event(order, "payment_updated", f"Payment details replaced before the charge: "
                     f"{method.label}.", order.email)
    session.commit()
    session.expire_all()


def _set_method(session: Session, order_id: int, method: PaymentMethod, while_status: str,
                **changes: Any) -> bool:
    """Save the method and set it on the placed order, with `changes`, in one conditional
    UPDATE that holds only while the payment is `while_status`: True when it did."""
    session.add(method)
    session.flush()
    return rows.changed(session, update(Order)
                        .where(Order.id == order_id, Order.status == OrderStatus.PLACED,
                               Order.payment_status == while_status)
                        .values(payment_method_id=method.id, **changes)
                        .execution_options(synchronize_session=False)) == 1


def cancel_overdue(session: Session, base_url: str = "") -> int:
    """The job: cancel orders still unpaid after their deadline, with an email (R-PAY-4)."""
    # Row locks: an Update Payment racing this job waits, then finds the order cancelled.
    overdue = session.scalars(select(Order).where(
        Order.status == OrderStatus.PLACED, Order.payment_status == PaymentStatus.FAILED,
        Order.payment_due_by <= clock.now()).with_for_update()).all()
    for order in overdue:
        orders.move(order, OrderStatus.CANCELLED, actor="system", why="payment deadline passed")
        order.cancel_reason = "Payment was not completed by the deadline."
        release_stock(session, order)
        mail.queue(session, order.email, "payment_deadline_cancelled",
                   {"order": order, "base_url": base_url})
    session.commit()
    return len(overdue)


def release_stock(session: Session, order: Order) -> None:
    """Give an order's units back to capped products (in the caller's transaction)."""
    for line in order.lines:
        session.execute(update(Product).where(Product.id == line.product_id,
                                              Product.stock.is_not(None))
                        .values(stock=Product.stock + line.quantity))


def refund(session: Session, gateway: Gateway, order: Order, amount: int, actor: str, *,
           reason: str = "", base_url: str = "") -> int:
    """Write a refund of up to what is refundable, commit, then ask the provider once; the
    refunds job retries it until confirmed. Returns the cents confirmed now (0 if pending)."""
    pending = refunds.open_refund(session, order, amount, reason=reason or "refund",
                                  actor=actor)
    session.commit()  # the decision stands whatever the provider says; no lock while we wait
    if pending is None:
        return 0
    refund_id, cents = pending.id, pending.amount_cents
    return cents if refunds.attempt(session, gateway, refund_id, base_url) else 0
