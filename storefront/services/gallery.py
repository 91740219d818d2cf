"""Product galleries (issue 15): up to 8 images a product, uploaded and ordered by staff,
each kept as WebP thumbnails (services/images.py). The product's `gallery` field names every
image's thumbnails in order ("media:..." entries joined by "|"), and `image` the first one's,
so catalogue and product pages draw them without a query."""
from __future__ import annotations

import hashlib
from itertools import groupby

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from storefront import clock
from storefront.models import Product, ProductImage
from storefront.services import images, products
from storefront.services.errors import InvalidInput, NotFound

MAX_IMAGES = 8
SHOWN_WIDTHS = (320, 640)  # the two sizes a product page offers in its srcset


def entries(product: Product) -> list[tuple[tuple[int, int, str], ...]]:
    """Each gallery image's (width, height, digest) thumbnails, in order."""
    return [images.variants(e) for e in product.gallery.split("|") if e.startswith("media:")]


def add(session: Session, product: Product, uploads: list[tuple[bytes, str]]) -> int:
    """Append the uploaded images (PNG, JPEG or WebP, 2 MB each) after the others."""
    count = len(_positions(session, product))
    errors: dict[str, str] = {}
    if count + len(uploads) > MAX_IMAGES:
        raise InvalidInput({"images": f"A product has at most {MAX_IMAGES} images "
                                      f"({count} already)."})
    checked = [products.check_image(upload, errors) for upload in uploads]
    if errors:
        raise InvalidInput({"images": errors["image"]})
    for position, picture in enumerate(checked, start=count):
        assert picture is not None
        for width, height, webp in images.thumbnails(picture[0]):
            session.add(ProductImage(product_id=product.id, position=position,
                                     digest=hashlib.sha256(webp).hexdigest(),
                                     content_type="image/webp", width=width, height=height,
                                     data=webp, created_at=clock.now()))
    session.flush()
    _rebuild(session, product)
    session.commit()
    return len(checked)


def move(session: Session, product: Product, position: int, step: int) -> None:
    """Swap an image with its neighbour (step -1: earlier, +1: later)."""
    positions = _positions(session, product)
    other = position + step
    if position not in positions or other not in positions:
        raise NotFound("No such image.")
    where = ProductImage.product_id == product.id
    session.execute(update(ProductImage).where(where, ProductImage.position == position)
                    .values(position=-1))
    session.execute(update(ProductImage).where(where, ProductImage.position == other)
                    .values(position=position))
    session.execute(update(ProductImage).where(where, ProductImage.position == -1)
                    .values(position=other))
    _rebuild(session, product)
    session.commit()


def remove(session: Session, product: Product, position: int) -> None:
    """Delete one image; the later ones move up."""
    if position not in _positions(session, product):
        raise NotFound("No such image.")
    where = ProductImage.product_id == product.id
    session.execute(delete(ProductImage).where(where, ProductImage.position == position))
    session.execute(update(ProductImage).where(where, ProductImage.position > position)
                    .values(position=ProductImage.position - 1))
    _rebuild(session, product)
    session.commit()


def _positions(session: Session, product: Product) -> list[int]:
    return list(session.scalars(select(ProductImage.position).distinct()
                                .where(ProductImage.product_id == product.id)
                                .order_by(ProductImage.position)))


def _rebuild(session: Session, product: Product) -> None:
    rows = session.execute(select(ProductImage.position, ProductImage.width,
                                  ProductImage.height, ProductImage.digest)
                           .where(ProductImage.product_id == product.id)
                           .order_by(ProductImage.position, ProductImage.width)).all()
    names = ["media:" + ";".join(f"{w}x{h}={d}" for _p, w, h, d in group)
             for _position, group in groupby(rows, key=lambda r: r[0])]
    product.gallery = "|".join(names)
    product.image = names[0] if names else ""
