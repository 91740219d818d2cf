"""Recovery jobs: nothing half-done stays that way.

- A checkout left 'placing' (the process died between taking the stock and recording the
  charges) is finished from what the gateway says happened: completed if every charge
  went through, otherwise undone (charges voided, stock returned, checkout reopened).
- A charge whose answer never came, on an order that then failed, is looked up; if it did
  happen it is refunded, so there is never a charge without an order."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from storefront.models import Checkout, Order, OrderEvent, User
from storefront.payments import ChargeResult, Gateway
from storefront.services import clock, orders, rows
from storefront.services.checkout import Rules
from storefront.services.placing import complete, record_charge, undo

STALE = timedelta(minutes=10)


def _claim(session: Session, checkout_id: int) -> bool:
    won = rows.changed(session, update(Checkout)
                       .where(Checkout.id == checkout_id, Checkout.status == "placing")
                       .values(status="recovering"))
    session.commit()
    return won == 1


def stale_checkouts(session: Session) -> list[int]:
    """Checkouts still 'placing' whose orders were written more than STALE ago."""
    cutoff = clock.now() - STALE
    return list(session.scalars(
        select(Checkout.id).join(Order, Order.checkout_id == Checkout.id)
        .where(Checkout.status == "placing", Order.created_at <= cutoff).distinct()))


def recover_checkouts(session: Session, gateway: Gateway, base_url: str = "") -> dict[str, int]:
    """Finish or undo every stale checkout, once each (claimed like a confirm)."""
    done = {"completed": 0, "undone": 0}
    for checkout_id in stale_checkouts(session):
        if not _claim(session, checkout_id):
            continue
        checkout = session.get_one(Checkout, checkout_id)
        placed = list(session.scalars(select(Order).where(
            Order.checkout_id == checkout_id, Order.status == "pending_payment")
            .options(selectinload(Order.lines))))
        user = session.get_one(User, checkout.user_id)
        session.commit()
        results = [(o, _looked_up(gateway, o)) for o in placed if o.payment_status == "pending"]
        if all(r.ok for _, r in results):
            for order, result in results:
                record_charge(session, order, result)
            complete(session, checkout, user, placed, Rules(base_url=base_url))
            done["completed"] += 1
        else:
            undo(session, gateway, checkout, placed, results)
            done["undone"] += 1
    return done


def _looked_up(gateway: Gateway, order: Order) -> ChargeResult:
    try:
        found = gateway.lookup(f"charge-{order.number}")
    except Exception:
        found = None
    return found or ChargeResult(ok=False, error="No charge was made.")


def refund_lost_charges(session: Session, gateway: Gateway) -> int:
    """Failed orders whose charge went unanswered: refund the charge if it happened."""
    flagged = select(OrderEvent.order_id).where(OrderEvent.kind == "charge_unknown")
    settled = select(OrderEvent.order_id).where(OrderEvent.kind == "charge_settled")
    pending = list(session.scalars(select(Order).where(
        Order.status == "failed", Order.id.in_(flagged), Order.id.not_in(settled))))
    session.commit()
    refunded = 0
    for order in pending:
        found = _looked_up(gateway, order)
        if found.ok:
            back = gateway.refund(found.ref, order.total_cents, f"refund-lost-{order.number}")
            note = (f"A charge of {order.total_cents} cents made without an order was "
                    f"refunded ({back.ref})." if back.ok else
                    f"Refund of a charge without an order failed: {back.error}.")
            refunded += int(back.ok)
        else:
            note = "The gateway confirms no charge was made."
        order = session.merge(order)
        orders.log_event(order, "charge_settled", note)
        session.commit()
    return refunded
