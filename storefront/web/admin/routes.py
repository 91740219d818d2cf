"""Staff pages under /admin: orders, products, accounts (staff role only)."""
from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from storefront.extensions import db
from storefront.models import Order, Product, User
from storefront.payments import setup as gateways
from storefront.services import (
    addresses,
    catalog,
    fulfilment,
    orders,
    products,
    refunds,
    states,
    watching,
)
from storefront.services.errors import InvalidInput, NotFound, ServiceError
from storefront.services.money import parse_usd, usd
from storefront.web.admin import access, bp
from storefront.web.plumbing.rendering import base_url, form_values, page, see_other

# A 2 MB image and the form; the service checks the image.
PRODUCT_UPLOAD_LIMIT: int = 3 * 1024 * 1024
PAYMENT_STATUSES = tuple(states.PaymentStatus)
ACTION_FIELDS = ("shipping_date", "carrier", "tracking_number", "round_trip_shipping", "amount",
                 "reason")
Page = tuple[str, int]




def staff_actor() -> str:
    """Who did it, as order events record it."""
    return f"staff:{current_user.email}"


def _base_url() -> str:
    return base_url()


def _emailed(count: int) -> str:
    return f"{count} customer{'' if count == 1 else 's'} emailed"


# --- orders ---------------------------------------------------------------------------

@bp.get("/")
def orders_page() -> str:
    """Orders, newest first, searched (back office: web/admin/search.py)."""
    from storefront.web.admin import search
    return search.orders_page()


def _order_or_404(number: str) -> Order:
    try:
        return fulfilment.get_order(db.session, number[:20])
    except NotFound:
        abort(404)


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
    return _order_page(_order_or_404(number))


def _order_action(number: str, act: Callable[[Order], str]) -> Response | Page:
    """Run a staff action: field errors re-render (422), refusals flash, success redirects."""
    try:
        message = act(_order_or_404(number))
    except InvalidInput as exc:
        db.session.rollback()
        typed = {n: request.form[n] for n in ACTION_FIELDS if n in request.form}
        return _order_page(_order_or_404(number), exc.errors, typed, 422)
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
                                                 base_url=_base_url())
        return f"Shipping date {day.isoformat()}: {_emailed(done)}."
    return _order_action(number, act)


@bp.post("/orders/<number>/shipped")
def mark_shipped(number: str) -> Response | Page:
    """Shipped with carrier and tracking number, emailed to the customer (R-SHP-2)."""
    def act(order: Order) -> str:
        fulfilment.mark_shipped(db.session, order, request.form.get("carrier", ""),
                                request.form.get("tracking_number", ""), actor=staff_actor(),
                                base_url=_base_url())
        return "Marked as shipped; the customer was emailed the tracking number."
    return _order_action(number, act)


@bp.post("/orders/<number>/returned")
@access.requires("refunds")  # cancelled and refunded (staff may set the deduction)
def mark_returned(number: str) -> Response | Page:
    """Came back undelivered: cancelled, refund = paid - round trip (R-RET-4)."""
    def act(order: Order) -> str:
        round_trip = _cents(request.form.get("round_trip_shipping", ""), "round_trip_shipping")
        refunded = fulfilment.mark_returned(db.session, gateways.current(), order,
                                            actor=staff_actor(), round_trip_cents=round_trip,
                                            base_url=_base_url())
        return f"Marked as returned and cancelled; refunded {usd(refunded)}."
    return _order_action(number, act)


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
                                    base_url=_base_url())
        return "Exchange approved; a replacement shipment was created."
    return _order_action(number, act)


# --- products -------------------------------------------------------------------------

@bp.get("/products")
def products_page() -> str:
    """Every product, searchable by name or slug and filtered by kind."""
    query, kind = request.args.get("q", "")[:100], request.args.get("kind", "")
    return page("admin/products.html", query=query, kind=kind,
                products=catalog.list_products(db.session, query=query, kind=kind),
                watchers=watching.watcher_counts(db.session))


def _product_or_404(slug: str) -> Product:
    try:
        return catalog.get_product(db.session, slug[:120], with_facts=True)
    except NotFound:
        abort(404)


def _product_page(item: Product | None, values: dict, errors: dict | None = None,
                  status: int = 200) -> Page:
    waiting = fulfilment.open_orders_of(db.session, item) if item else []
    return page("admin/product.html", product=item, values=values, errors=errors or {},
                open_orders=len(waiting)), status


@bp.route("/products/new", methods=["GET", "POST"])
@access.requires("products")
def product_new() -> Response | Page:
    """A new product (R-CAT-2)."""
    if request.method == "GET":
        return _product_page(None, {"kind": "preorder", "cancellable": "on"})
    return _save(None)


@bp.route("/products/<slug>", methods=["GET", "POST"])
@access.requires("products", ("POST",))
def product(slug: str) -> Response | Page:
    """Edit a product; orders keep what they were sold at."""
    item = _product_or_404(slug)
    if request.method == "GET":
        return _product_page(item, products.form_of(item))
    return _save(item)


def _save(item: Product | None) -> Response | Page:
    values = form_values(*products.FIELDS)
    upload = request.files.get("image")
    image = (upload.read(products.MAX_IMAGE_BYTES + 1), upload.filename or "") \
        if upload and upload.filename else None
    try:
        saved = products.save_product(db.session, item, values, image)
    except InvalidInput as exc:
        db.session.rollback()
        return _product_page(item, values, exc.errors, 422)
    flash(f"{saved.name} saved.", "success")
    return see_other(url_for("admin.product", slug=saved.slug))


def _product_action(slug: str, act: Callable[[Product], str]) -> Response:
    """Run a product-wide staff action; the outcome or the refusal is flashed."""
    try:
        flash(act(_product_or_404(slug)), "success")
    except InvalidInput as exc:
        db.session.rollback()
        flash(" ".join(exc.errors.values()), "error")
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return see_other(url_for("admin.product", slug=slug))


@bp.post("/products/<slug>/release-date")
@access.requires("products")
def change_release_date(slug: str) -> Response:
    """Move the release date; customers with open orders are emailed (R-SHP-5)."""
    def act(item: Product) -> str:
        day = fulfilment.parse_day(request.form.get("release_date", ""), "release_date")
        count = fulfilment.change_release_date(db.session, item, day, actor=staff_actor(),
                                               base_url=_base_url())
        return f"Release date is {day.isoformat()}: {_emailed(count)}."
    return _product_action(slug, act)


@bp.post("/products/<slug>/shipping-date")
def finalize_product(slug: str) -> Response:
    """Confirm one shipping date for every open order of the product (R-PAY-3, R-SHP-3)."""
    def act(item: Product) -> str:
        day = fulfilment.parse_day(request.form.get("shipping_date", ""), "shipping_date")
        count = fulfilment.finalize_shipping_date(
            db.session, fulfilment.open_orders_of(db.session, item), day, actor=staff_actor(),
            base_url=_base_url())
        return f"Shipping date {day.isoformat()}: {_emailed(count)}."
    return _product_action(slug, act)


# --- accounts -------------------------------------------------------------------------

def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _account_page(user: User, errors: dict | None = None, values: dict | None = None,
                  status: int = 200) -> Page:
    return page("admin/account.html", account=user, errors=errors or {}, values=values or {},
                orders=orders.history(db.session, user.id)), status


@bp.get("/accounts/<int:user_id>")
def account(user_id: int) -> Page:
    """A customer: email, region, restriction and orders."""
    return _account_page(_user_or_404(user_id))


@bp.post("/accounts/<int:user_id>/restrict")
@access.requires("accounts")
def restrict_account(user_id: int) -> Response | Page:
    """No more orders from this account (R-RET-5)."""
    user = _user_or_404(user_id)
    try:
        fulfilment.restrict_account(db.session, user, request.form.get("reason", ""),
                                    actor=staff_actor())
    except InvalidInput as exc:
        db.session.rollback()
        return _account_page(user, exc.errors, form_values("reason"), 422)
    flash(f"{user.email} can no longer place orders.", "success")
    return see_other(url_for("admin.account", user_id=user_id))
