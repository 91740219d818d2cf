"""The back office's catalogue: the product list with watcher counts, a new product, editing
one (facts, image), release and shipping dates of a whole product (R-CAT-*, R-SHP-*)."""
from __future__ import annotations

from collections.abc import Callable

from flask import flash, request, url_for
from werkzeug.wrappers import Response

from storefront.extensions import db
from storefront.models import Product
from storefront.services import (
    catalog,
    fulfilment,
    products,
    watching,
)
from storefront.services.errors import InvalidInput
from storefront.web.admin import access, bp
from storefront.web.admin.common import (
    Page,
    act_then,
    emailed,
    product_or_404,
    staff_actor,
)
from storefront.web.plumbing.rendering import base_url, form_values, page, see_other

# A 2 MB image and the form; the service checks the image.
PRODUCT_UPLOAD_LIMIT: int = 3 * 1024 * 1024


@bp.get("/products")
def products_page() -> str:
    """Every product, searchable by name or slug and filtered by kind."""
    query, kind = request.args.get("q", "")[:100], request.args.get("kind", "")
    return page("admin/products.html", query=query, kind=kind,
                products=catalog.list_products(db.session, query=query, kind=kind),
                watchers=watching.watcher_counts(db.session))


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
    item = product_or_404(slug, with_facts=True)
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
    item = product_or_404(slug, with_facts=True)
    return act_then(url_for("admin.product", slug=slug), lambda: act(item))


@bp.post("/products/<slug>/release-date")
@access.requires("products")
def change_release_date(slug: str) -> Response:
    """Move the release date; customers with open orders are emailed (R-SHP-5)."""
    def act(item: Product) -> str:
        day = fulfilment.parse_day(request.form.get("release_date", ""), "release_date")
        count = fulfilment.change_release_date(db.session, item, day, actor=staff_actor(),
                                               base_url=base_url())
        return f"Release date is {day.isoformat()}: {emailed(count)}."
    return _product_action(slug, act)


@bp.post("/products/<slug>/shipping-date")
def finalize_product(slug: str) -> Response:
    """Confirm one shipping date for every open order of the product (R-PAY-3, R-SHP-3)."""
    def act(item: Product) -> str:
        day = fulfilment.parse_day(request.form.get("shipping_date", ""), "shipping_date")
        count = fulfilment.finalize_shipping_date(
            db.session, fulfilment.open_orders_of(db.session, item), day, actor=staff_actor(),
            base_url=base_url())
        return f"Shipping date {day.isoformat()}: {emailed(count)}."
    return _product_action(slug, act)
