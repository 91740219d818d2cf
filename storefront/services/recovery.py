"""Recovery jobs: nothing half-done stays that way.

- A checkout left 'placing' (the process died between taking the stock and recording the
  charges) is finished from what the gateway says happened: completed if every charge
  went through, otherwise undone (charges voided, stock returned, checkout reopened).
- A charge whose answer never came, on an order that then failed, is looked up until the
  provider answers; if it did happen it is refunded, so there is never a charge without an
  order (services.settlement)."""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from storefront import clock
from storefront.models import Checkout, Order, User
from storefront.payments import ChargeResult, Gateway
from storefront.services import idempotency, rows, settlement
from storefront.services.checkout_steps import Rules
from storefront.services.placing import complete, record_charge, undo
from storefront.services.settlement import Outcome
from storefront.services.states import CheckoutStatus, OrderStatus, PaymentStatus

log = logging.getLogger(__name__)
STALE = timedelta(minutes=10)


def _claim(session: Session, checkout_id: int) -> bool:
    won = rows.changed(session, update(Checkout)
                       .where(Checkout.id == checkout_id, Checkout.status == CheckoutStatus.PLACING)
                       .values(status=CheckoutStatus.RECOVERING))
    session.commit()
    return won == 1


def stale_checkouts(session: Session) -> list[int]:
    """Checkouts still 'placing' whose orders were written more than STALE ago."""
    cutoff = clock.now() - STALE
    return list(session.scalars(
        select(Checkout.id).join(Order, Order.checkout_id == Checkout.id)
        .where(Checkout.status == CheckoutStatus.PLACING, Order.created_at <= cutoff).distinct()))


def recover_checkouts(session: Session, gateway: Gateway, base_url: str = "") -> dict[str, int]:
    """Finish or undo every stale checkout, once each (claimed like a confirm). A checkout
    whose look-ups go unanswered is left for the next run: no answer is not "no charge"."""
    done = {"completed": 0, "undone": 0, "waiting": 0}
    for checkout_id in stale_checkouts(session):
        if not _claim(session, checkout_id):
            continue
        checkout = session.get_one(Checkout, checkout_id)
        placed = list(session.scalars(select(Order).where(
            Order.checkout_id == checkout_id, Order.status == OrderStatus.PENDING_PAYMENT)
            .options(selectinload(Order.lines))))
        user = session.get_one(User, checkout.user_id)
        session.commit()
        due = [o for o in placed if o.payment_status == PaymentStatus.PENDING]
        try:
            outcomes = {o.id: _looked_up(gateway, o) for o in due}
        except Exception as exc:
            log.warning("checkout %s: look-up unanswered (%s); retried later", checkout_id,
                        type(exc).__name__)
            session.execute(update(Checkout).where(Checkout.id == checkout_id)
                            .values(status=CheckoutStatus.PLACING))
            session.commit()
            done["waiting"] += 1
            continue
        if all(out.taken for out in outcomes.values()):
            for order in due:
                record_charge(session, order, outcomes[order.id])
            complete(session, checkout, user, placed, Rules(base_url=base_url))
            done["completed"] += 1
        else:
            undo(session, gateway, checkout, placed, outcomes)
            done["undone"] += 1
    return done


def _looked_up(gateway: Gateway, order: Order) -> Outcome:
    """What the provider did for this order, from its keys; raises when it does not answer."""
    amount = order.total_cents
    for kind in ("charge", "capture"):
        key = idempotency.key(kind, order.number)
        found = gateway.lookup(key)
        if found is not None and found.ok:
            return Outcome(kind, key, amount, found)
    key = idempotency.key("auth", order.number)
    held = gateway.lookup(key)
    if held is not None and held.ok:
        return Outcome("auth", key, amount, held, held=held.ref)
    return Outcome("charge", idempotency.key("charge", order.number), amount,
                   ChargeResult(ok=False, error="No charge was made."))


def settle_unknown(session: Session, gateway: Gateway) -> dict[str, int]:
    """Look up every unanswered charge, void every pending hold (services.settlement)."""
    return settlement.settle_due(session, gateway)
