"""Staff pages: short allocation on a product, internal notes on orders and customers, and
resending an order's email."""
from __future__ import annotations

from flask import flash, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from storefront.extensions import db
from storefront.models import Order, User
from storefront.payments import setup as gateways
from storefront.services import allocation, notes, roles
from storefront.services.errors import InvalidInput
from storefront.services.money import usd
from storefront.web.admin import access, bp
from storefront.web.admin.common import (
    Page,
    act_then,
    order_or_404,
    product_or_404,
    staff_actor,
    user_or_404,
)
from storefront.web.plumbing.rendering import base_url, page, see_other

# --- short allocation -----------------------------------------------------------------

@bp.post("/products/<slug>/allocation")
@access.requires("allocation")
def allocation_preview(slug: str) -> Response | Page:
    """Which orders keep their units and which are cancelled; nothing changes yet."""
    item = product_or_404(slug)
    try:
        units = allocation.parse_units(request.form.get("units", ""))
    except InvalidInput as exc:
        flash(exc.errors["units"], "error")
        return see_other(url_for("admin.product", slug=slug))
    plan = allocation.plan(db.session, item, units)
    return page("admin/allocation.html", product=item, plan=plan), 200


@bp.post("/products/<slug>/allocation/confirm")
@access.requires("allocation")
def allocation_confirm(slug: str) -> Response:
    """Cancel and refund the orders the preview showed, email them, set the stock."""
    item = product_or_404(slug)
    expected = [n for n in request.form.get("cancel", "").split(",") if n]

    def act() -> str:
        done = allocation.allocate(db.session, gateways.current(), item,
                                   request.form.get("units", ""), actor=staff_actor(),
                                   base_url=base_url(), expect_cancel=expected)
        return (f"Allocation done: {done.kept} order(s) kept, {len(done.cancelled)} cancelled "
                f"and emailed, {usd(done.refunded_cents)} refunded; "
                f"{done.stock} unit(s) left to sell.")
    return act_then(url_for("admin.product", slug=slug), act)


# --- notes and the order's emails -----------------------------------------------------

@bp.post("/orders/<number>/notes")
@access.requires("notes")
def order_note(number: str) -> Response:
    """An internal note on the order (customers never see it)."""
    order = order_or_404(number)
    return act_then(url_for("admin.order", number=number), lambda: _note(order=order))


@bp.post("/accounts/<int:user_id>/notes")
@access.requires("notes")
def account_note(user_id: int) -> Response:
    """An internal note on a customer."""
    user = user_or_404(user_id)
    return act_then(url_for("admin.account", user_id=user_id), lambda: _note(user=user))


def _note(order: Order | None = None, user: User | None = None) -> str:
    notes.add(db.session, staff_actor(), request.form.get("body", ""), order=order, user=user)
    return "Note added."


@bp.post("/orders/<number>/emails/<int:email_id>/resend")
@access.requires("orders")
def resend_email(number: str, email_id: int) -> Response:
    """Send one of the order's emails again (audited)."""
    order = order_or_404(number)

    def act() -> str:
        copy = notes.resend(db.session, order, email_id, actor=staff_actor())
        return f"Email queued again to {copy.to}."
    return act_then(url_for("admin.order", number=number), act)


@bp.app_template_global()
def order_emails(order: Order) -> list:
    """For the customer's and the admin's order pages."""
    return notes.emails_of(db.session, order)


@bp.app_template_global()
def staff_notes(order: Order | None = None, user: User | None = None) -> list:
    """For the admin order and account pages only."""
    if order is not None:
        return notes.of_order(db.session, order)
    return notes.of_user(db.session, user) if user is not None else []


@bp.app_template_global()
def staff_can(power: str) -> bool:
    """Whether the signed-in staff member's role holds a power (to offer only what works)."""
    return roles.can(current_user, power)


@bp.app_template_global()
def email_delivery(email) -> str:  # type: ignore[no-untyped-def]
    return notes.delivery(email)
