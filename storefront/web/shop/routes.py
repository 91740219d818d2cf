"""Catalogue pages: the product list with search and filters, and the product page."""
from __future__ import annotations

from flask import abort, request
from flask_login import current_user

from storefront.extensions import db
from storefront.services import browse, calendar, catalog, watching
from storefront.services.errors import NotFound
from storefront.web.plumbing.pagecache import for_visitors
from storefront.web.plumbing.rendering import page, signed_in
from storefront.web.plumbing.transactions import reads_only
from storefront.web.shop import bp, counts


@bp.get("/")
@reads_only
@for_visitors
def index() -> str:
    """The catalogue: search, filters, sort and pages, all in the URL (issue 15)."""
    filters = browse.Filters.parse(request.args)
    region = current_user.region if signed_in() else None
    listing = browse.browse(db.session, filters, region, counts.kept())
    return page("shop/index.html", f=filters, listing=listing, products=listing.products,
                facets=counts.facets(filters, region),
                previous_args=browse.previous_args(filters, listing) if
                listing.previous_before else None, without=browse.without)


@bp.get("/products/<slug>")
@reads_only
@for_visitors
def product(slug: str) -> str:
    """A product: price with tax, release date, limits, and its buy button."""
    try:
        item = catalog.get_product(db.session, slug, with_facts=True)
    except NotFound:
        abort(404)
    region = current_user.region if signed_in() else None
    following = signed_in() and watching.is_watching(db.session, current_user.id, item.id)
    return page("shop/product.html", product=item, state=catalog.availability(item, region),
                limit=catalog.per_order_limit(item), watching=following)


@bp.get("/releases")
@reads_only
@for_visitors
def releases() -> str:
    """This month's and the coming months' releases with confirmed shipping dates."""
    return page("shop/releases.html", months=calendar.months_ahead(db.session))
