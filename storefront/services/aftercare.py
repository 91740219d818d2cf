"""What a customer may do with a placed order: address, cancel, exchange (R-SHP-4, R-RET-*)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from storefront import clock
from storefront.models import Exchange, Order, Product, User
from storefront.payments import Gateway
from storefront.services import addresses, mail, order_payments, orders
from storefront.services.errors import CancelRefused, ExchangeRefused, InvalidInput, OrderLocked
from storefront.services.states import FulfilmentStatus, OrderStatus, is_open

# Reasons offered on the cancel form; the refused ones are the store's rules (R-RET-3).
CANCEL_REASONS = {
    "mistake": "I ordered by mistake",
    "no_longer_needed": "I no longer need it",
    "release_date_changed": "The release date changed",
    "reorder_with_coupon": "I want to reorder with a coupon",
    "other": "Another reason",
}
REFUSED_REASONS = {
    "release_date_changed": "Orders cannot be cancelled because the release date changed.",
    "reorder_with_coupon": "Orders cannot be cancelled to reorder with a coupon.",
}


def address_locked(order: Order) -> bool:
    """The address is fixed once the shipping-date email is sent (R-SHP-4)."""
    return order.shipping_date_sent_at is not None or not is_open(order)


def change_address(session: Session, order: Order, user: User, data: dict[str, str],
                   address_id: int | None = None) -> None:
    """Ship this order elsewhere in the region; the address book is not touched."""
    order = orders.lock(session, order)
    if address_locked(order):
        raise OrderLocked("The shipping address can no longer be changed: the shipping date "
                          "has been confirmed.", code="address_locked")
    if address_id:
        snapshot = addresses.get_own(session, user, address_id).snapshot()
    else:
        snapshot = addresses.clean(data, user.region or "")
    order.shipping_address = snapshot
    orders.log_event(order, "address_changed", "Shipping address changed by the customer.",
                     user.email)
    session.commit()


def cancel_refusal(order: Order, reason: str = "") -> CancelRefused | None:
    """Why this order cannot be cancelled now, or None (R-RET-3); the order page shows it."""
    if reason in REFUSED_REASONS:
        return CancelRefused(REFUSED_REASONS[reason], code=reason)
    if not is_open(order):
        return CancelRefused("This order can no longer be cancelled.", code="not_open")
    if order.kind != "preorder":
        return CancelRefused("In-stock orders cannot be cancelled once paid.", code="in_stock")
    if (order.fulfilment_status != FulfilmentStatus.UNFULFILLED
            or order.shipping_date_sent_at is not None):
        return CancelRefused("The shipping date of this order is confirmed; it can no longer "
                             "be cancelled.", code="shipping_date_confirmed")
    if not all(_cancellable(order, line.product_id) for line in order.lines):
        return CancelRefused("This product cannot be cancelled after ordering.",
                             code="not_cancellable")
    return None


def _cancellable(order: Order, product_id: int) -> bool:
    session = Session.object_session(order)
    product = session.get(Product, product_id) if session else None
    return bool(product and product.cancellable)


def cancel(session: Session, gateway: Gateway, order: Order, user: User, reason: str,
           base_url: str = "") -> None:
    """Cancel a preorder where the rules allow; anything paid is refunded in full."""
    order = orders.lock(session, order)
    refusal = cancel_refusal(order)  # an order that cannot be cancelled says so first
    if refusal is None and reason not in CANCEL_REASONS:
        raise InvalidInput({"reason": "Choose a reason."})
    refusal = refusal or cancel_refusal(order, reason)
    if refusal:
        raise refusal
    orders.move(order, OrderStatus.CANCELLED, actor=user.email, why=CANCEL_REASONS[reason])
    order.cancel_reason = CANCEL_REASONS[reason]
    order_payments.release_stock(session, order)
    due = order.paid_cents - order.refunded_cents
    # The email is committed with the cancellation; the refund follows (R-COM-2).
    mail.queue(session, order.email, "cancelled",
               {"order": order, "refunded": due, "round_trip": 0,
                "reason": order.cancel_reason, "base_url": base_url})
    order_payments.refund(session, gateway, order, due, user.email,
                          reason=f"cancelled by the customer: {order.cancel_reason}",
                          base_url=base_url)


def request_exchange(session: Session, order: Order, user: User, reason: str) -> Exchange:
    """Ask to replace a defective item of a shipped order (R-RET-1, R-RET-2)."""
    reason = reason.strip()
    order = orders.lock(session, order)
    if order.status not in (OrderStatus.SHIPPED, OrderStatus.COMPLETED):
        raise ExchangeRefused("An exchange can be asked for once the order has arrived.",
                              code="not_arrived")
    if any(e.status == "requested" for e in order.exchanges):
        raise ExchangeRefused("An exchange request for this order is already waiting for us.",
                              code="exchange_pending")
    if not 10 <= len(reason) <= 1000:
        raise InvalidInput({"reason": "Describe the defect (10 to 1000 characters)."})
    exchange = Exchange(reason=reason, requested_at=clock.now())
    order.exchanges.append(exchange)
    orders.log_event(order, "exchange_requested", "Exchange asked for a defective item.",
                     user.email)
    session.commit()
    return exchange
