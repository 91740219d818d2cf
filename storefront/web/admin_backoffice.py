"""Staff pages: short allocation on a product, internal notes on orders and customers, and
resending an order's email."""
from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from storefront.extensions import db
from storefront.models import Product
from storefront.payments import setup as gateways
from storefront.services import allocation, catalog
from storefront.services.errors import InvalidInput, NotFound, ServiceError
from storefront.web import staffauth
from storefront.web.common import page, see_other

bp = Blueprint("admin_office", __name__, url_prefix="/admin")
Page = tuple[str, int]


@bp.before_request
@login_required
def _staff_only() -> None:
    staffauth.staff_only()


def _actor() -> str:
    return f"staff:{current_user.email}"


def _base_url() -> str:
    return request.host_url.rstrip("/")


def _product_or_404(slug: str) -> Product:
    try:
        return catalog.get_product(db.session, slug[:120])
    except NotFound:
        abort(404)


# --- short allocation -----------------------------------------------------------------

@bp.post("/products/<slug>/allocation")
@staffauth.requires("allocation")
def allocation_preview(slug: str) -> Response | Page:
    """Which orders keep their units and which are cancelled; nothing changes yet."""
    item = _product_or_404(slug)
    try:
        units = allocation.parse_units(request.form.get("units", ""))
    except InvalidInput as exc:
        flash(exc.errors["units"], "error")
        return see_other(url_for("admin.product", slug=slug))
    plan = allocation.plan(db.session, item, units)
    return page("admin/allocation.html", product=item, plan=plan), 200


@bp.post("/products/<slug>/allocation/confirm")
@staffauth.requires("allocation")
def allocation_confirm(slug: str) -> Response:
    """Cancel and refund the orders the preview showed, email them, set the stock."""
    item = _product_or_404(slug)
    expected = [n for n in request.form.get("cancel", "").split(",") if n]
    try:
        done = allocation.allocate(db.session, gateways.current(), item,
                                   request.form.get("units", ""), actor=_actor(),
                                   base_url=_base_url(), expect_cancel=expected)
    except InvalidInput as exc:
        db.session.rollback()
        flash(" ".join(exc.errors.values()), "error")
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        flash(f"Allocation done: {done.kept} order(s) kept, {len(done.cancelled)} cancelled "
              f"and emailed, {done.refunded_cents / 100:.2f} USD refunded; "
              f"{done.stock} unit(s) left to sell.", "success")
    return see_other(url_for("admin.product", slug=slug))
