"""Staff upload and order a product's gallery (issue 15); pages draw it from `gallery`."""
from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from storefront.extensions import db
from storefront.models import Product
from storefront.services import catalog, gallery
from storefront.services.errors import InvalidInput, NotFound
from storefront.web.common import see_other

bp = Blueprint("gallery", __name__, url_prefix="/admin/products/<slug>/gallery")
UPLOAD_LIMIT = gallery.MAX_IMAGES * (2 * 1024 * 1024 + 64 * 1024)


@bp.before_request
@login_required
def _staff_only() -> None:
    """As every admin page: customers get a 404."""
    if not (current_user.is_authenticated and current_user.is_staff):
        abort(404)
    request.max_content_length = UPLOAD_LIMIT


def _product(slug: str) -> Product:
    try:
        return catalog.get_product(db.session, slug[:120])
    except NotFound:
        abort(404)


def _back(slug: str) -> Response:
    return see_other(url_for("admin.product", slug=slug) + "#gallery")


@bp.post("")
def upload(slug: str) -> Response:
    """Add the chosen images after the others."""
    product = _product(slug)
    files = [f for f in request.files.getlist("images") if f and f.filename]
    uploads = [(f.read(2 * 1024 * 1024 + 1), f.filename or "") for f in files]
    try:
        added = gallery.add(db.session, product, uploads)
    except InvalidInput as exc:
        db.session.rollback()
        flash(exc.errors["images"], "error")
    else:
        flash(f"{added} image{'' if added == 1 else 's'} added.", "success")
    return _back(product.slug)


@bp.post("/<int:position>/move")
def move(slug: str, position: int) -> Response:
    """One place earlier or later."""
    product = _product(slug)
    try:
        gallery.move(db.session, product, position, -1 if request.form.get("to") == "up"
                     else 1)
    except NotFound:
        db.session.rollback()
    return _back(product.slug)


@bp.post("/<int:position>/remove")
def remove(slug: str, position: int) -> Response:
    """Delete one image."""
    product = _product(slug)
    try:
        gallery.remove(db.session, product, position)
    except NotFound:
        db.session.rollback()
    return _back(product.slug)


def images_of(product: Product) -> list[dict]:
    """Each image as a page draws it: src, srcset of the two sizes, width and height."""
    drawn = []
    for variants in gallery.entries(product):
        shown = [v for v in variants if v[0] in gallery.SHOWN_WIDTHS] or list(variants[-1:])
        width, height, digest = shown[0]
        drawn.append({"src": _url(digest), "width": width, "height": height,
                      "srcset": ", ".join(f"{_url(d)} {w}w" for w, _h, d in shown)})
    return drawn


def _url(digest: str) -> str:
    return f"{request.script_root}/media/products/{digest}.webp"
