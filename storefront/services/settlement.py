"""Never money without an order, never an order without money.

Charges due at confirmation: one order is charged in one step; several are authorised first
and captured only when every authorisation succeeded. When that fails, `unwind` writes down,
in the transaction that fails the orders, what must happen at the provider: money taken is
refunded (services.refunds), holds are voided, and answers that never came are looked up.
Those rows (payments with status "unknown" or "pending") are retried by `settle_due` until the
provider gives a definite answer: "no answer" is never read as "nothing happened"."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront import clock
from storefront.models import Order, Payment, Refund
from storefront.payments import ChargeResult, Gateway
from storefront.services import idempotency, orders, refunds

log = logging.getLogger(__name__)
UNKNOWN, PENDING = "unknown", "pending"
NO_ANSWER = "The payment service did not answer. Please try again."


@dataclass(frozen=True)
class Outcome:
    """What became of one order's money: the last operation tried and its answer."""
    kind: str  # charge | auth | capture
    key: str
    amount: int
    result: ChargeResult
    held: str = ""  # an authorisation that is open (to capture or to void)

    @property
    def taken(self) -> bool:
        return self.kind in ("charge", "capture") and self.result.ok


def ask(call: Callable[[], ChargeResult], lookup: Callable[[], ChargeResult | None]
        ) -> ChargeResult:
    """Call; when the answer is lost, retry under the SAME key (the provider answers a
    repeated key with the first outcome), then look the key up. Still nothing: unknown."""
    for attempt in (1, 2):
        try:
            return call()
        except Exception as exc:  # timeout, lost answer, outage
            log.warning("payment call: no answer on try %s (%s)", attempt, type(exc).__name__)
    try:
        found = lookup()
    except Exception:
        found = None
    return found or ChargeResult(ok=False, unknown=True, error=NO_ANSWER)


def take(gateway: Gateway, token: str, due: list[Order]) -> dict[int, Outcome]:
    """Take the money of a checkout's orders due now, all or (as far as it can) none."""
    if len(due) == 1:
        order, key = due[0], idempotency.key("charge", due[0].number)
        result = ask(partial(gateway.charge, token, order.total_cents, key),
                     partial(gateway.lookup, key))
        return {order.id: Outcome("charge", key, order.total_cents, result)}
    held: dict[int, Outcome] = {}
    for order in due:
        key = idempotency.key("auth", order.number)
        result = ask(partial(gateway.authorize, token, order.total_cents, key),
                     partial(gateway.lookup, key))
        held[order.id] = Outcome("auth", key, order.total_cents, result,
                                 held=result.ref if result.ok else "")
        if not result.ok:
            break  # no point holding more money for a checkout that will not complete
    if len(held) < len(due) or not all(o.result.ok for o in held.values()):
        return held
    taken: dict[int, Outcome] = dict(held)
    for order in due:
        key, ref = idempotency.key("capture", order.number), held[order.id].held
        result = ask(partial(gateway.capture, ref, order.total_cents, key),
                     partial(gateway.lookup, key))
        taken[order.id] = Outcome("capture", key, order.total_cents, result, held=ref)
        if not result.ok:
            break
    return taken


def unwind(session: Session, order: Order, out: Outcome) -> None:
    """Write down what must be given back for a failed order (caller's transaction)."""
    if out.taken:
        money_taken(session, order, out.kind, out.key, out.amount, out.result.ref)
    elif out.result.unknown:
        session.add(Payment(order_id=order.id, kind=out.kind, amount_cents=out.amount,
                            idempotency_key=out.key, status=UNKNOWN, gateway_ref=out.held,
                            error=NO_ANSWER, created_at=clock.now()))
        orders.log_event(order, "charge_unknown", f"No answer to {out.kind} {out.key}: "
                         "looked up until the provider answers.")
    elif out.held:
        release(session, order, out.held)


def money_taken(session: Session, order: Order, kind: str, key: str, amount: int,
                ref: str) -> None:
    """The provider took money for an order that failed: record it, then give it back."""
    session.add(Payment(order_id=order.id, kind="charge", amount_cents=amount,
                        idempotency_key=f"{key}-taken",
                        status="succeeded", gateway_ref=ref, created_at=clock.now()))
    order.paid_cents += amount
    order.paid_at = clock.now()
    orders.log_event(order, "charged", f"{amount} cents taken ({ref}) for an order that "
                     "failed; refunded.")
    session.flush()
    refunds.open_refund(session, order, amount, reason="the checkout's payment failed",
                        actor="system")


def release(session: Session, order: Order, held: str) -> None:
    """An authorisation to void (retried until the provider answers)."""
    session.add(Payment(order_id=order.id, kind="void", amount_cents=0,
                        idempotency_key=idempotency.key("void", order.number), status=PENDING,
                        gateway_ref=held, created_at=clock.now()))


def settle_checkout(session: Session, gateway: Gateway, checkout_id: int) -> None:
    """Right after an undo: try what it wrote down once (the job retries the rest)."""
    ids = list(session.scalars(select(Payment.id).join(Order, Order.id == Payment.order_id)
                               .where(Order.checkout_id == checkout_id,
                                      Payment.status.in_((UNKNOWN, PENDING)))))
    session.commit()
    for payment_id in ids:
        settle_one(session, gateway, payment_id)
    for refund in list(session.scalars(select(Refund.id)
                                       .join(Order, Order.id == Refund.order_id)
                                       .where(Order.checkout_id == checkout_id,
                                              Refund.status.in_(refunds.OPEN)))):
        refunds.attempt(session, gateway, refund)


def settle_due(session: Session, gateway: Gateway) -> dict[str, int]:
    """The job: every unknown answer looked up, every pending void tried again."""
    ids = list(session.scalars(select(Payment.id).where(
        Payment.status.in_((UNKNOWN, PENDING)),
        Payment.kind.in_(("charge", "auth", "capture", "void"))).order_by(Payment.id)))
    session.commit()
    done = {"settled": 0, "waiting": 0}
    for payment_id in ids:
        done["settled" if settle_one(session, gateway, payment_id) else "waiting"] += 1
    return done


def settle_one(session: Session, gateway: Gateway, payment_id: int) -> bool:
    """Ask the provider about one row; True once its answer is definite and recorded."""
    row = session.get_one(Payment, payment_id, populate_existing=True)
    if row.status not in (UNKNOWN, PENDING):
        session.rollback()
        return True
    kind, key, ref = row.kind, row.idempotency_key, row.gateway_ref
    session.commit()
    try:
        if kind == "void":
            answer: ChargeResult | None = gateway.void(ref, key)
        else:
            answer = gateway.lookup(key)
    except Exception as exc:
        log.warning("settle %s: still no answer (%s)", key, type(exc).__name__)
        return False
    row = session.get_one(Payment, payment_id, populate_existing=True)
    if row.status not in (UNKNOWN, PENDING):  # another worker recorded it first
        session.rollback()
        return True
    order = session.get_one(Order, row.order_id)
    _record(session, row, order, answer)
    session.commit()
    return True


def _record(session: Session, row: Payment, order: Order, answer: ChargeResult | None
            ) -> None:
    ok = answer is not None and answer.ok
    # A looked-up charge "happened" (the money is recorded by money_taken, once).
    row.status = ("succeeded" if row.kind == "void" else "happened") if ok else "failed"
    row.error = "" if ok else ((answer.error if answer else "") or "Never happened.")[:300]
    if row.kind == "void":
        orders.log_event(order, "voided" if ok else "void_failed",
                         f"Hold {row.gateway_ref} released." if ok else
                         f"The hold {row.gateway_ref} could not be voided: {row.error}")
    elif ok and answer is not None and row.kind in ("charge", "capture"):
        money_taken(session, order, row.kind, row.idempotency_key, row.amount_cents,
                    answer.ref)
    elif ok and answer is not None:  # an authorisation did happen: release it
        release(session, order, answer.ref)
    elif row.kind == "capture" and row.gateway_ref:  # not captured: the hold stays open
        release(session, order, row.gateway_ref)
    if row.kind != "void":
        orders.log_event(order, "charge_settled", f"{row.kind} {row.idempotency_key}: "
                         + ("it happened." if ok else "the provider confirms it did not."))
