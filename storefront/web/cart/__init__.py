"""The cart (templates/cart/): add, change a quantity, remove, and the cart page."""
from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("cart", __name__, url_prefix="/cart")

from storefront.web.cart import routes  # noqa: E402,F401,I001


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
