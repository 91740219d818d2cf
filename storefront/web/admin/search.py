"""Staff pages: order search with keyset pages, its streamed CSV, and the warehouse's
shipping list per product and confirmed date (page to print, and CSV)."""
from __future__ import annotations

from datetime import date

from flask import Response, request

from storefront.extensions import db
from storefront.services import addresses, catalog, order_search, orders, reports, shipping_list
from storefront.web.admin import access, bp
from storefront.web.admin.common import product_or_404
from storefront.web.admin.reports import csv_response
from storefront.web.plumbing.rendering import page
from storefront.web.plumbing.transactions import reads_only


@bp.get("/")
@reads_only
def orders_page() -> str:
    """`admin-orders` with the `order-search` form; one query a page, any page (keyset)."""
    search = order_search.Search.from_args(request.args)
    found, next_cursor = order_search.search_page(db.session, search,
                                                  request.args.get("after", "")[:80])
    return page("admin/orders.html", orders=found, search=search, next_cursor=next_cursor,
                statuses=list(orders.STATUS_MOVES), payments=order_search.PAYMENT_STATUSES,
                products=catalog.list_products(db.session))


@bp.get("/orders.csv")
@reads_only
@access.requires("orders")
def orders_csv() -> Response:
    """Every order of the current search as CSV, streamed in batches."""
    search = order_search.Search.from_args(request.args)
    return csv_response(reports.to_csv(order_search.csv_rows(db.session, search)),
                        "orders.csv")


def _day_arg() -> date | None:
    try:
        return date.fromisoformat(request.args.get("date", "").strip()[:10])
    except ValueError:
        return None


@bp.get("/products/<slug>/shipping-list")
@reads_only
@access.requires("shipping")
def shipping_list_page(slug: str) -> str:
    """The printable list: one confirmed date, or every one."""
    item, day = product_or_404(slug), _day_arg()
    return page("admin/shipping_list.html", product=item, day=day,
                dates=shipping_list.dates(db.session, item),
                parcels=shipping_list.parcels(db.session, item, day),
                address_lines=addresses.lines)


@bp.get("/products/<slug>/shipping-list.csv")
@reads_only
@access.requires("shipping")
def shipping_list_csv(slug: str) -> Response:
    item, day = product_or_404(slug), _day_arg()
    rows = shipping_list.csv_rows(item, shipping_list.parcels(db.session, item, day))
    name = f"shipping-{item.slug}-{day.isoformat() if day else 'all'}.csv"
    return csv_response(reports.to_csv(rows), name)
