"""Uploaded product images, served by content digest so they can be cached for good."""
from __future__ import annotations

import re

from flask import Response, abort, request

from storefront.extensions import db
from storefront.extensions import digest as static_digest
from storefront.models import Product
from storefront.services import gallery, images, products
from storefront.web.plumbing.transactions import reads_only
from storefront.web.shop import bp

TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}
DIGEST_RE = re.compile(r"^[0-9a-f]{64}$")
ONE_YEAR = 365 * 24 * 3600


@bp.get("/media/products/<digest>.<ext>")
@reads_only
def product_image(digest: str, ext: str) -> Response:
    """The image bytes; the URL changes when the image does, so it never goes stale."""
    if ext not in TYPES or not DIGEST_RE.match(digest):
        abort(404)
    image = products.image_by_digest(db.session, digest)
    if image is None or image.content_type != TYPES[ext]:
        abort(404)
    response = Response(image.data, mimetype=image.content_type)
    response.set_etag(digest)
    response.cache_control.public = True
    response.cache_control.max_age = ONE_YEAR
    response.cache_control.immutable = True
    response.make_conditional(request)
    return response


def _media_url(digest: str) -> str:
    return f"{request.script_root}/media/products/{digest}.webp"


def image_url(product: Product, width: int = 320) -> str:
    """The smallest thumbnail at least `width` wide (or the largest), or a static file."""
    found = images.variants(product.image) if product.image.startswith("media:") else []
    if not found:
        return static_digest.static_url_for("static", filename=product.image or
                                            "img/products/placeholder.svg")
    w, _h, digest = next((v for v in found if v[0] >= width), found[-1])
    return _media_url(digest)


def image_srcset(product: Product) -> str:
    """Every thumbnail with its width, for the browser to pick (empty for static files)."""
    found = images.variants(product.image) if product.image.startswith("media:") else []
    return ", ".join(f"{_media_url(d)} {w}w" for w, _h, d in found)


def image_height(product: Product, width: int) -> int:
    """The height matching `width` (so the page reserves the space before it loads)."""
    found = images.variants(product.image) if product.image.startswith("media:") else []
    if not found:
        return width
    w, h, _d = found[-1]
    return max(1, round(h * width / w))


def gallery_images(product: Product) -> list[dict]:
    """Each gallery image as a page draws it: src, srcset of the two sizes, width, height."""
    drawn = []
    for variants in gallery.entries(product):
        shown = [v for v in variants if v[0] in gallery.SHOWN_WIDTHS] or list(variants[-1:])
        width, height, digest = shown[0]
        drawn.append({"src": _media_url(digest), "width": width, "height": height,
                      "srcset": ", ".join(f"{_media_url(d)} {w}w" for w, _h, d in shown)})
    return drawn
