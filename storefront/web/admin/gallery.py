"""Staff upload and order a product's gallery (issue 15); pages draw it with the
`gallery_images` template global (web/shop/media.py)."""
from __future__ import annotations

from flask import flash, request, url_for
from werkzeug.wrappers import Response

from storefront.extensions import db
from storefront.services import gallery
from storefront.services.errors import InvalidInput, NotFound
from storefront.web.admin import bp
from storefront.web.admin.common import product_or_404
from storefront.web.plumbing.rendering import see_other

UPLOAD_LIMIT: int = gallery.MAX_IMAGES * (2 * 1024 * 1024 + 64 * 1024)




def _back(slug: str) -> Response:
    return see_other(url_for("admin.product", slug=slug) + "#gallery")


@bp.post("/products/<slug>/gallery")
def gallery_upload(slug: str) -> Response:
    """Add the chosen images after the others."""
    product = product_or_404(slug)
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


@bp.post("/products/<slug>/gallery/<int:position>/move")
def gallery_move(slug: str, position: int) -> Response:
    """One place earlier or later."""
    product = product_or_404(slug)
    try:
        gallery.move(db.session, product, position, -1 if request.form.get("to") == "up"
                     else 1)
    except NotFound:
        db.session.rollback()
    return _back(product.slug)


@bp.post("/products/<slug>/gallery/<int:position>/remove")
def gallery_remove(slug: str, position: int) -> Response:
    """Delete one image."""
    product = product_or_404(slug)
    try:
        gallery.remove(db.session, product, position)
    except NotFound:
        db.session.rollback()
    return _back(product.slug)
