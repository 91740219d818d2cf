"""My Account (templates/account/): the order history and an order's page with what the
customer may still do (address, cancel, exchange, Update Payment), the address book, saved
payment methods, the password, and deleting the account. Every page is the signed-in
customer's own: visitors are sent to log in."""
from __future__ import annotations

from flask import Blueprint, Flask
from flask_login import login_required

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.before_request
@login_required
def _account_required() -> None:
    """Every page here is the signed-in customer's own."""


from storefront.web.account import addresses, password, payment_methods, routes  # noqa: E402,F401,I001


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
