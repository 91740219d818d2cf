"""The cart: add, change quantity, remove; htmx swaps the cart fragment, forms do PRG."""
from __future__ import annotations

from flask import flash, request, url_for
from werkzeug.wrappers import Response

from storefront.extensions import db
from storefront.services import cart as carts
from storefront.services import catalog
from storefront.services.errors import InvalidQuantity, ServiceError
from storefront.web.cart import bp
from storefront.web.plumbing.rendering import (
    announce,
    fragment_target,
    int_arg,
    owner,
    page,
    remember_cart,
    request_cart,
    see_other,
)
from storefront.web.plumbing.transactions import reads_only


def _cart_page(error: str = "", status: int = 200) -> tuple[str, int]:
    cart = request_cart()
    return page("cart/cart.html", cart=cart, error=error, subtotal=carts.subtotal_cents(cart),
                count=carts.count(cart), limit=catalog.per_order_limit), status


@bp.get("/")
@reads_only
def show() -> tuple[str, int]:
    """The cart with its lines, subtotal and the way to checkout."""
    return _cart_page()


@bp.post("/add")
def add() -> Response | tuple[str, int]:
    """Put a product in the cart from its page."""
    slug = request.form.get("slug", "")[:120]
    quantity = int_arg(request.form.get("quantity", "1"), default=0)
    try:
        cart = carts.add(db.session, owner(), slug, quantity)
    except ServiceError as exc:
        db.session.rollback()
        if fragment_target():
            return page("cart/added.html", error=exc.message, count=None), 422
        flash(exc.message, f"error:{exc.code}")
        return see_other(url_for("shop.product", slug=slug) if slug else url_for("shop.index"))
    remember_cart(cart)
    if fragment_target():
        announce("Added to cart")
        return page("cart/added.html", error="", count=carts.count(cart)), 200
    flash("Added to your cart.", "success")
    return see_other(url_for("cart.show"))


@bp.post("/lines/<int:product_id>")
def update(product_id: int) -> Response | tuple[str, int]:
    """Change a line's quantity (0 removes it)."""
    quantity = int_arg(request.form.get("quantity"), default=-1)
    return _change(product_id, quantity)


@bp.post("/lines/<int:product_id>/remove")
def remove(product_id: int) -> Response | tuple[str, int]:
    """Take a line out of the cart."""
    return _change(product_id, 0)


def _change(product_id: int, quantity: int) -> Response | tuple[str, int]:
    try:
        if quantity < 0:
            raise InvalidQuantity("Enter a quantity of 0 or more.", field="quantity")
        remember_cart(carts.set_quantity(db.session, owner(), product_id, quantity))
    except ServiceError as exc:
        db.session.rollback()
        if fragment_target():
            return _cart_page(exc.message, 422)
        flash(exc.message, f"error:{exc.code}")
        return see_other(url_for("cart.show"))
    if fragment_target():
        announce("Removed from cart" if quantity == 0 else "Cart updated")
        return _cart_page()
    return see_other(url_for("cart.show"))
