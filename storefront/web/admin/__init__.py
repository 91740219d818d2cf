"""The back office (templates/admin/), under /admin: orders and their actions, products with
their facts and galleries, accounts, coupons, refunds, notes, allocation, reports, order
search and the shipping list. Visitors log in; customers get a 404; each view names the
power it needs (access.py), so a `staff` member asking for a manager's page gets a 403."""
from __future__ import annotations

from flask import Blueprint, Flask, request
from flask_login import login_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _staff_only() -> None:
    """Anonymous visitors log in; customers get a 404 (nothing here exists for them).
    login_required lets OPTIONS through, so a visitor can still get here: 404 too."""
    access.staff_only()
    limit = UPLOAD_LIMITS.get(request.endpoint or "")
    if limit:
        request.max_content_length = limit


from storefront.web.admin import (  # noqa: E402,I001
    access, accounts, backoffice, coupons, gallery, orders, products, refunds, reports, search)

# Forms that carry images: a product's own image, or a gallery upload.
UPLOAD_LIMITS: dict[str, int] = {"admin.product_new": products.PRODUCT_UPLOAD_LIMIT,
                                 "admin.product": products.PRODUCT_UPLOAD_LIMIT,
                                 "admin.gallery_upload": gallery.UPLOAD_LIMIT}
__all__ = ["accounts", "backoffice", "coupons", "orders", "refunds", "reports", "search"]


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    access.init_app(app)
