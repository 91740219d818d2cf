"""Staff money actions: cancel an order, refund part of it, and the refunds page where every
refund the provider has not confirmed waits, with a retry button (issue 11)."""
from __future__ import annotations

from flask import flash, request, url_for
from werkzeug.wrappers import Response

from storefront.extensions import db
from storefront.models import Order
from storefront.payments import setup as gateways
from storefront.services import cancelling, refunds
from storefront.services.errors import InvalidInput, ServiceError
from storefront.services.money import parse_usd, usd
from storefront.web.admin import access, bp
from storefront.web.admin.common import Page, staff_actor
from storefront.web.admin.orders import order_action
from storefront.web.plumbing.rendering import base_url, page, see_other


@bp.post("/orders/<number>/cancel")
@access.requires("refunds")
def staff_cancel(number: str) -> Response | Page:
    """Cancel an unshipped order with a reason: stock back, refund, email."""
    def act(order: Order) -> str:
        cancelling.staff_cancel(db.session, order.id, request.form.get("reason", ""),
                                staff_actor(), gateway=gateways.current(),
                                base_url=base_url())
        return "Order cancelled; the customer was emailed."
    return order_action(number, act)


@bp.post("/orders/<number>/refund")
@access.requires("refunds")
def staff_refund(number: str) -> Response | Page:
    """A partial refund of a paid order, never above what is left to refund."""
    def act(order: Order) -> str:
        try:
            cents = parse_usd(request.form.get("amount", ""))
        except ValueError:
            raise InvalidInput({"amount": "Enter an amount in US dollars, e.g. 12.50."}) from None
        refund = cancelling.staff_refund(db.session, order.id, cents,
                                         request.form.get("reason", ""), staff_actor(),
                                         gateway=gateways.current(), base_url=base_url())
        return f"Refund of {usd(refund.amount_cents)} sent to the payment provider."
    return order_action(number, act)


@bp.get("/refunds")
@access.requires("refunds")
def refunds_page() -> str:
    """Every refund the provider has not confirmed yet, oldest first."""
    return page("admin/refunds.html", waiting=refunds.needing_attention(db.session))


@bp.post("/refunds/<int:refund_id>/retry")
@access.requires("refunds")
def refund_retry(refund_id: int) -> Response:
    """Ask the provider again now."""
    try:
        done = refunds.retry_now(db.session, gateways.current(), refund_id,
                                 actor=staff_actor(), base_url=base_url())
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        flash("Refund confirmed by the payment provider." if done else
              "The payment provider did not confirm the refund; it stays in the list.",
              "success" if done else "error")
    return see_other(url_for("admin.refunds_page"))
