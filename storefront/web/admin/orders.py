"""The back office's orders: the list (search.py), an order's page and the staff actions on
it: shipping date, shipped, returned undelivered, exchange (R-SHP-*, R-RET-*)."""
from __future__ import annotations

from collections.abc import Callable

from flask import flash, request, url_for
from werkzeug.wrappers import Response

from storefront.extensions import db
from storefront.models import Order
from storefront.payments import setup as gateways
from storefront.services import (
    addresses,
    fulfilment,
    refunds,
)
from storefront.services.errors import InvalidInput, ServiceError
from storefront.services.money import parse_usd, usd
from storefront.web.admin import access, bp
from storefront.web.admin.common import (
    Page,
    emailed,
    order_or_404,
    staff_actor,
)
from storefront.web.plumbing.rendering import base_url, page, see_other

ACTION_FIELDS = ("shipping_date", "carrier", "tracking_number", "round_trip_shipping", "amount",
                 "reason")


def _order_page(order: Order, errors: dict | None = None, values: dict | None = None,
                status: int = 200) -> Page:
    defaults = {"shipping_date": order.shipping_date.isoformat() if order.shipping_date else "",
                "carrier": order.carrier, "tracking_number": order.tracking_number,
                "round_trip_shipping": usd(2 * order.shipping_cents).lstrip("$")}
    return page("admin/order.html", order=order, errors=errors or {},
                values=defaults | (values or {}), address_lines=addresses.lines,
                expected=fulfilment.expected_ship_date(order),
                refunds=refunds.of_order(db.session, order.id),
                refundable=refunds.refundable_cents(db.session, order)), status


@bp.get("/orders/<number>")
def order(number: str) -> Page:
    """One order: lines, customer, payment, fulfilment, timeline, and the actions that apply."""
    return _order_page(order_or_404(number))


def order_action(number: str, act: Callable[[Order], str]) -> Response | Page:
    """Run a staff action: field errors re-render (422), refusals flash, success redirects."""
    try:
        message = act(order_or_404(number))
    except InvalidInput as exc:
        db.session.rollback()
        typed = {n: request.form[n] for n in ACTION_FIELDS if n in request.form}
        return _order_page(order_or_404(number), exc.errors, typed, 422)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        flash(message, "success")
    return see_other(url_for("admin.order", number=number))


@bp.post("/orders/<number>/shipping-date")
def finalize_order(number: str) -> Response | Page:
    """Confirm the shipping date: emailed, and a preorder is charged that day (R-PAY-3)."""
    def act(order: Order) -> str:
        day = fulfilment.parse_day(request.form.get("shipping_date", ""), "shipping_date")
        done = fulfilment.finalize_shipping_date(db.session, [order], day, actor=staff_actor(),
                                                 base_url=base_url())
        return f"Shipping date {day.isoformat()}: {emailed(done)}."
    return order_action(number, act)


@bp.post("/orders/<number>/shipped")
def mark_shipped(number: str) -> Response | Page:
    """Shipped with carrier and tracking number, emailed to the customer (R-SHP-2)."""
    def act(order: Order) -> str:
        fulfilment.mark_shipped(db.session, order, request.form.get("carrier", ""),
                                request.form.get("tracking_number", ""), actor=staff_actor(),
                                base_url=base_url())
        return "Marked as shipped; the customer was emailed the tracking number."
    return order_action(number, act)


@bp.post("/orders/<number>/returned")
@access.requires("refunds")  # cancelled and refunded (staff may set the deduction)
def mark_returned(number: str) -> Response | Page:
    """Came back undelivered: cancelled, refund = paid - round trip (R-RET-4)."""
    def act(order: Order) -> str:
        round_trip = _cents(request.form.get("round_trip_shipping", ""), "round_trip_shipping")
        refunded = fulfilment.mark_returned(db.session, gateways.current(), order,
                                            actor=staff_actor(), round_trip_cents=round_trip,
                                            base_url=base_url())
        return f"Marked as returned and cancelled; refunded {usd(refunded)}."
    return order_action(number, act)


def _cents(text: str, field: str) -> int | None:
    if not text.strip():
        return None
    try:
        return parse_usd(text)
    except (ValueError, ArithmeticError):
        raise InvalidInput({field: "Enter an amount in US dollars, e.g. 36.00."}) from None


@bp.post("/orders/<number>/exchange")
def approve_exchange(number: str) -> Response | Page:
    """Approve the exchange request: a replacement shipment is created (R-RET-2)."""
    def act(order: Order) -> str:
        fulfilment.approve_exchange(db.session, order, actor=staff_actor(),
                                    base_url=base_url())
        return "Exchange approved; a replacement shipment was created."
    return order_action(number, act)
