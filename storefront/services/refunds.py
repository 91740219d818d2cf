"""Refunds are records, not hopes: each is a row with its idempotency key and a status.

A refund is written (pending) in the transaction that decides it; the provider is asked
after the commit; the answer is recorded in a transaction of its own. Whatever did not get a
definite yes is retried by a job with back-off (and by staff from the admin refunds page),
always under the same key, so a retry never gives back twice."""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storefront import clock
from storefront.models import Order, Payment, Refund
from storefront.payments import ChargeResult, Gateway
from storefront.services import idempotency, mail, orders, rows
from storefront.services.errors import NotFound, RefundRefused
from storefront.services.states import OrderStatus, PaymentStatus, RefundStatus

log = logging.getLogger(__name__)
PENDING, SUCCEEDED, FAILED = RefundStatus.PENDING, RefundStatus.SUCCEEDED, RefundStatus.FAILED
OPEN = (PENDING, FAILED)
# Waits between tries: a minute, then longer, never more than six hours.
BACK_OFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
            timedelta(hours=2), timedelta(hours=6))


def outstanding_cents(session: Session, order_id: int) -> int:
    """Money promised back but not yet confirmed by the provider."""
    return int(session.scalar(select(func.coalesce(func.sum(Refund.amount_cents), 0))
                              .where(Refund.order_id == order_id,
                                     Refund.status.in_(OPEN))) or 0)


def refundable_cents(session: Session, order: Order) -> int:
    """What is left to give back: paid, less refunded, less refunds on their way."""
    return max(order.paid_cents - order.refunded_cents
               - outstanding_cents(session, order.id), 0)


def charge_ref(session: Session, order: Order) -> str:
    """The provider's reference of the money this order took."""
    ref = session.scalar(select(Payment.gateway_ref).where(
        Payment.order_id == order.id, Payment.kind == "charge", Payment.status == SUCCEEDED)
        .order_by(Payment.id.desc()).limit(1))
    return ref or ""


def open_refund(session: Session, order: Order, amount: int, *, reason: str, actor: str
                ) -> Refund | None:
    """Write a pending refund of up to what is refundable (in the caller's transaction)."""
    amount = min(amount, refundable_cents(session, order))
    if amount <= 0:
        return None
    count = session.scalar(select(func.count()).select_from(Refund)
                           .where(Refund.order_id == order.id)) or 0
    refund = Refund(order_id=order.id, amount_cents=amount, status=PENDING,
                    idempotency_key=idempotency.key("refund", order.number, count + 1),
                    charge_ref=charge_ref(session, order), reason=reason[:300],
                    actor=actor, next_attempt_at=clock.now(), created_at=clock.now())
    session.add(refund)
    orders.log_event(order, "refund_opened",
                     f"Refund of {amount} cents on its way: {reason}"[:500], actor)
    return refund


def attempt(session: Session, gateway: Gateway, refund_id: int, base_url: str = "") -> bool:
    """Ask the provider once (outside any transaction) and record its answer."""
    refund = session.get(Refund, refund_id, populate_existing=True)
    if refund is None or refund.status == SUCCEEDED:
        session.rollback()
        return bool(refund)
    ref, amount, key = refund.charge_ref, refund.amount_cents, refund.idempotency_key
    session.commit()
    try:
        result = gateway.refund(ref, amount, key)
    except Exception as exc:  # no answer: it may or may not have happened; ask again later
        log.warning("refund %s: no answer (%s)", key, type(exc).__name__)
        result = None
    return record(session, refund_id, result, base_url)


def record(session: Session, refund_id: int, result: ChargeResult | None,
           base_url: str = "") -> bool:
    """The provider's answer (None: no answer): confirmed once, or retried later."""
    refund = session.get_one(Refund, refund_id, populate_existing=True)
    if result is not None and result.ok:
        # One winner even when two workers retried the same refund at once.
        won = rows.changed(session, update(Refund)
                           .where(Refund.id == refund_id, Refund.status != SUCCEEDED)
                           .values(status=SUCCEEDED, gateway_ref=result.ref,
                                   settled_at=clock.now(), attempts=Refund.attempts + 1,
                                   last_error="")
                           .execution_options(synchronize_session=False))
        session.expire(refund)
        if won == 1:
            _confirmed(session, refund, result.ref, base_url)
        session.commit()
        return True
    wait = BACK_OFF[min(refund.attempts, len(BACK_OFF) - 1)]
    refund.attempts += 1
    refund.next_attempt_at = clock.now() + wait
    if result is None:
        refund.last_error = "The payment provider did not answer."
    else:
        refund.status, refund.last_error = FAILED, (result.error or "Refused.")[:300]
        _new_key(refund)
    orders.log_event(refund.order, "refund_failed", f"Refund of {refund.amount_cents} cents "
                     f"not confirmed: {refund.last_error} Retried automatically.")
    session.commit()
    return False


def _new_key(refund: Refund) -> None:
    """The provider remembers its "no" under a key; a definite no moved no money, so the
    next try asks afresh under a new key."""
    base = refund.idempotency_key.split("~")[0]
    refund.idempotency_key = f"{base}~{refund.attempts}"


def reopen(session: Session, refund: Refund, why: str) -> None:
    """A refund confirmed before failed later at the provider: the money is still kept, so
    the order says so again and the refund is retried."""
    order = orders.lock(session, refund.order)
    order.refunded_cents -= refund.amount_cents
    orders.move_payment(order, PaymentStatus.PARTIALLY_REFUNDED if order.refunded_cents
                        else PaymentStatus.PAID,
                        why="a refund failed after its confirmation")
    for payment in session.scalars(select(Payment).where(
            Payment.idempotency_key == refund.idempotency_key, Payment.kind == "refund")):
        payment.status, payment.error = FAILED, why[:300]
    refund.status, refund.last_error, refund.settled_at = FAILED, why[:300], None
    refund.next_attempt_at = clock.now()
    _new_key(refund)
    orders.log_event(order, "refund_failed", f"Refund of {refund.amount_cents} cents "
                     f"reversed: {why} Retried automatically.")
    session.commit()


def _confirmed(session: Session, refund: Refund, ref: str, base_url: str) -> None:
    order = orders.lock(session, refund.order)
    order.refunded_cents += refund.amount_cents
    orders.move_payment(order, PaymentStatus.REFUNDED if order.refunded_cents >= order.paid_cents
                        else PaymentStatus.PARTIALLY_REFUNDED, actor=refund.actor,
                        why=f"{refund.amount_cents} cents refunded")
    session.add(Payment(order_id=order.id, kind="refund", amount_cents=refund.amount_cents,
                        idempotency_key=refund.idempotency_key, status=SUCCEEDED,
                        gateway_ref=ref, created_at=clock.now()))
    orders.log_event(order, "refunded", f"Refunded {refund.amount_cents} cents ({ref}).",
                     refund.actor)
    # customers hear of their orders
    if order.status not in (OrderStatus.FAILED, OrderStatus.PENDING_PAYMENT):
        mail.queue(session, order.email, "refund",
                   {"order": order, "refunded": refund.amount_cents, "base_url": base_url})


def retry_due(session: Session, gateway: Gateway, base_url: str = "") -> dict[str, int]:
    """The job: try every refund whose next attempt is due."""
    due = list(session.scalars(select(Refund.id).where(
        Refund.status.in_(OPEN), Refund.next_attempt_at <= clock.now()).order_by(Refund.id)))
    session.commit()
    done = {"refunded": 0, "waiting": 0}
    for refund_id in due:
        done["refunded" if attempt(session, gateway, refund_id, base_url) else "waiting"] += 1
    return done


def retry_now(session: Session, gateway: Gateway, refund_id: int, *, actor: str,
              base_url: str = "") -> bool:
    """Staff: try a refund that needs attention again, now."""
    refund = session.get(Refund, refund_id)
    if refund is None:
        raise NotFound("No such refund.")
    if refund.status == SUCCEEDED:
        raise RefundRefused("This refund is already confirmed.", code="refund_confirmed")
    orders.log_event(refund.order, "refund_retry", "Refund retried by staff.", actor)
    session.commit()
    return attempt(session, gateway, refund_id, base_url)


def needing_attention(session: Session) -> list[Refund]:
    """Every refund the provider has not confirmed, oldest first (the admin refunds page)."""
    return list(session.scalars(select(Refund).where(Refund.status.in_(OPEN))
                                .order_by(Refund.created_at, Refund.id)
                                .execution_options(populate_existing=True)))


def of_order(session: Session, order_id: int) -> list[Refund]:
    return list(session.scalars(select(Refund).where(Refund.order_id == order_id)
                                .order_by(Refund.id)
                                .execution_options(populate_existing=True)))


def status_word(refunds: list[Refund]) -> str:
    """What the customer reads: "pending" until every refund is confirmed, then "refunded"."""
    if not refunds:
        return ""
    return "refunded" if all(r.status == SUCCEEDED for r in refunds) else "pending"
