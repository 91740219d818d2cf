"""Catalogue pages: the product list with search and filters, and the product page."""
from __future__ import annotations

from flask import Blueprint, abort, request
from flask_login import current_user

from storefront.extensions import db
from storefront.services import catalog
from storefront.services.errors import NotFound
from storefront.web.common import page, signed_in
from storefront.web.pagecache import for_visitors

bp = Blueprint("shop", __name__)


@bp.get("/")
@for_visitors
def index() -> str:
    """The catalogue, searchable by name and filtered by kind and release month."""
    query = request.args.get("q", "")[:100]
    kind = request.args.get("kind", "")
    month = request.args.get("month", "")
    products = catalog.list_products(db.session, query=query, kind=kind, month=month)
    return page("shop/index.html", products=products, query=query, kind=kind, month=month,
                months=catalog.release_months(db.session))


@bp.get("/products/<slug>")
@for_visitors
def product(slug: str) -> str:
    """A product: price with tax, release date, limits, and its buy button."""
    try:
        item = catalog.get_product(db.session, slug)
    except NotFound:
        abort(404)
    region = current_user.region if signed_in() else None
    return page("shop/product.html", product=item, state=catalog.availability(item, region),
                limit=catalog.per_order_limit(item))
