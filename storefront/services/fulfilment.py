"""Staff actions after the order: shipping dates, shipment, returns, exchanges, release dates.

Each takes the staff member (`actor`) and writes an order event with who, when and why."""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from storefront import clock
from storefront.models import Exchange, Order, OrderLine, Product, User
from storefront.payments import Gateway
from storefront.services import mail, order_payments, orders, outbox, rows
from storefront.services.errors import ExchangeRefused, InvalidInput, NotFound, OrderLocked
from storefront.services.states import FulfilmentStatus, OrderStatus, PaymentStatus, is_open

OPEN = (OrderStatus.PLACED,)
log = logging.getLogger(__name__)


def get_order(session: Session, number: str) -> Order:
    """Any order by number, with what the admin page shows."""
    order = session.scalars(select(Order).where(Order.number == number).options(
        selectinload(Order.lines), selectinload(Order.events), selectinload(Order.exchanges),
        selectinload(Order.payment_method))).one_or_none()
    if order is None:
        raise NotFound("No such order.")
    return order


def open_orders_of(session: Session, product: Product) -> list[Order]:
    """Placed, unshipped orders holding the product."""
    return list(session.scalars(
        select(Order).join(OrderLine).where(OrderLine.product_id == product.id,
                                            Order.status.in_(OPEN))
        .options(selectinload(Order.lines)).order_by(Order.id)).unique())


def parse_day(text: str, field: str) -> date:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        raise InvalidInput({field: "Enter a date as YYYY-MM-DD."}) from None


def finalize_shipping_date(session: Session, orders_: list[Order], day: date, *, actor: str,
                           base_url: str = "") -> int:
    """Confirm the shipping date: email it, lock the address, charge today (R-PAY-3, R-SHP-3)."""
    if day < clock.today():
        raise InvalidInput({"shipping_date": "The shipping date cannot be in the past."})
    done = 0
    for order in orders_:
        order = orders.lock(session, order)
        if not is_open(order) or order.fulfilment_status == FulfilmentStatus.SHIPPED:
            continue
        changed = order.shipping_date is not None and order.shipping_date != day
        if order.shipping_date == day:
            continue
        order.shipping_date, order.fulfilment_status = day, FulfilmentStatus.DATE_CONFIRMED
        order.shipping_date_sent_at = order.shipping_date_sent_at or clock.now()
        if order.payment_status == PaymentStatus.INCOMPLETE:
            order.charge_due_at = clock.now()  # the same day as the email (R-PAY-3)
            outbox.after_commit(session, outbox.CHARGE_DUE)
        orders.log_event(order, "shipping_date", ("Shipping date changed to " if changed else
                                                  "Shipping date confirmed: ") + day.isoformat(),
                         actor)
        mail.queue(session, order.email, "shipping_date",
                   {"order": order, "changed": changed, "base_url": base_url})
        done += 1
    session.commit()
    return done


def mark_shipped(session: Session, order: Order, carrier: str, tracking: str, *, actor: str,
                 base_url: str = "") -> None:
    """Shipped with carrier and tracking number, emailed to the customer (R-SHP-2)."""
    carrier, tracking = " ".join(carrier.split())[:60], "".join(tracking.split())[:60]
    errors = {k: "This field is required." for k, v in
              (("carrier", carrier), ("tracking_number", tracking)) if not v}
    if errors:
        raise InvalidInput(errors)
    order = orders.lock(session, order)
    if order.payment_status != PaymentStatus.PAID:
        raise OrderLocked("Only paid orders can ship.", code="not_paid")
    orders.move(order, OrderStatus.SHIPPED, actor=actor,
                why=f"shipped with {carrier} {tracking}")
    order.fulfilment_status = FulfilmentStatus.SHIPPED
    order.carrier, order.tracking_number = carrier, tracking
    order.shipped_at = clock.now()
    mail.queue(session, order.email, "shipped", {"order": order, "base_url": base_url})
    session.commit()


def mark_returned(session: Session, gateway: Gateway, order: Order, *, actor: str,
                  round_trip_cents: int | None = None, base_url: str = "") -> int:
    """Returned undelivered: cancelled, refund = paid - round-trip shipping, >= 0 (R-RET-4)."""
    round_trip = 2 * order.shipping_cents if round_trip_cents is None else round_trip_cents
    if round_trip < 0:
        raise InvalidInput({"round_trip_shipping": "Enter an amount of 0 or more."})
    order = orders.lock(session, order)
    orders.move(order, OrderStatus.RETURNED, actor=actor, why="returned undelivered")
    order.fulfilment_status = FulfilmentStatus.RETURNED
    order.cancel_reason = "The parcel came back undelivered."
    due = max(order.paid_cents - order.refunded_cents - round_trip, 0)
    # The email is committed with the cancellation; the refund follows (R-COM-2).
    mail.queue(session, order.email, "cancelled",
               {"order": order, "refunded": due, "round_trip": round_trip,
                "reason": order.cancel_reason, "base_url": base_url})
    return order_payments.refund(session, gateway, order, due, actor,
                                 reason="returned undelivered", base_url=base_url)


def approve_exchange(session: Session, order: Order, *, actor: str, base_url: str = "") -> None:
    """Approve the open exchange request: a replacement shipment is created (R-RET-2), its
    units taken from stock like an order's; refused, with nothing changed, when none left."""
    order = orders.lock(session, order)
    session.refresh(order, ["exchanges", "lines"])
    request = next((e for e in order.exchanges if e.status == "requested"), None)
    if request is None:
        raise ExchangeRefused("This order has no exchange request to approve.",
                              code="no_exchange_request")
    for line in order.lines:
        _take_replacement(session, line)
    request.status, request.approved_at, request.approved_by = "approved", clock.now(), actor
    orders.log_event(order, "exchange_approved", "Exchange approved: a replacement will ship.",
                     actor)
    mail.queue(session, order.email, "exchange_approved", {"order": order, "base_url": base_url})
    session.commit()


def _take_replacement(session: Session, line: OrderLine) -> None:
    """The replacement's units, in one atomic UPDATE that cannot go below zero."""
    taken = rows.changed(session, update(Product)
                         .where(Product.id == line.product_id, Product.stock.is_not(None),
                                Product.stock >= line.quantity)
                         .values(stock=Product.stock - line.quantity)
                         .execution_options(synchronize_session=False))
    if taken != 1 and session.scalar(select(Product.stock)
                                     .where(Product.id == line.product_id)) is not None:
        session.rollback()
        raise ExchangeRefused(f"No stock left of {line.product_name} for a replacement: restock "
                              "it first, or refund the customer instead.",
                              code="no_replacement_stock")


def change_release_date(session: Session, product: Product, day: date, *, actor: str,
                        base_url: str = "") -> int:
    """Move a release date; every customer with an open order is emailed (R-SHP-5)."""
    if not product.is_preorder:
        raise InvalidInput({"release_date": "Only preorder products have a release date."})
    if day < clock.today():
        raise InvalidInput({"release_date": "The release date cannot be in the past."})
    old = product.release_date
    if old == day:
        return 0
    product.release_date = day
    affected = open_orders_of(session, product)
    for order in affected:
        for line in order.lines:
            if line.product_id == product.id:
                line.release_date = day
        orders.log_event(order, "release_date_changed",
                         f"Release date of {product.name} moved from {old} to {day}.", actor)
        mail.queue(session, order.email, "release_date_changed",
                   {"order": order, "product": product, "old": old, "new": day,
                    "base_url": base_url})
    session.commit()
    return len(affected)


def restrict_account(session: Session, user: User, reason: str, *, actor: str) -> None:
    """After unilateral cancellations or refused deliveries: no more orders (R-RET-5)."""
    reason = " ".join(reason.split())[:300]
    if not reason:
        raise InvalidInput({"reason": "Say why, so the customer can be told."})
    user.is_restricted, user.restricted_reason = True, reason
    log.info("account %s restricted by %s: %s", user.id, actor, reason)
    mail.queue(session, user.email, "account_restricted", {"user": user, "reason": reason})
    session.commit()


def expected_ship_date(order: Order) -> date | None:
    """In-stock orders ship about 7 business days after payment (R-SHP-1)."""
    if order.kind == "preorder":
        return order.shipping_date
    paid: datetime | None = clock.aware(order.paid_at) or clock.aware(order.created_at)
    if paid is None:
        return None
    day, left = paid.date(), 7
    while left:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


def exchange_requests(session: Session) -> list[Exchange]:
    return list(session.scalars(select(Exchange).where(Exchange.status == "requested")))
