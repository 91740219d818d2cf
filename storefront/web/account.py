"""My Account: order history and order detail; nobody sees another's orders."""
from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user, login_required

from storefront.extensions import db
from storefront.services import addresses, orders
from storefront.services.errors import NotFound
from storefront.web.common import page

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.before_request
@login_required
def _account_required() -> None:
    """Every page here is the signed-in customer's own."""


@bp.get("/")
def orders_page() -> str:
    """Order history: number, date, status, total (R-CHK-8)."""
    return page("account/orders.html", orders=orders.history(db.session, current_user.id))


@bp.get("/orders/<number>")
def order(number: str) -> str:
    """One order with its lines, addresses, payment and timeline; others' are 404."""
    try:
        found = orders.get_for_customer(db.session, current_user.id, number[:20])
    except NotFound:
        abort(404)
    return page("account/order.html", order=found, address_lines=addresses.lines)
