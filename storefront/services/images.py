"""Product images as WebP thumbnails made with Pillow, one per width, for a srcset.

The product's `image` field names them: "media:160x160=<sha256>;320x320=<sha256>;..."
so pages build the srcset without a query per product."""
from __future__ import annotations

import hashlib
import io
from functools import lru_cache

from PIL import Image, ImageDraw, ImageOps
from sqlalchemy import delete
from sqlalchemy.orm import Session

from storefront import clock
from storefront.models import Product, ProductImage

WIDTHS = (160, 320, 640)


def thumbnails(data: bytes) -> list[tuple[int, int, bytes]]:
    """(width, height, WebP bytes) for each width up to the original's."""
    made: list[tuple[int, int, bytes]] = []
    with Image.open(io.BytesIO(data)) as original:
        picture = ImageOps.exif_transpose(original)
        picture = picture.convert("RGBA" if "A" in picture.getbands() else "RGB")
        for width in sorted({min(w, picture.width) for w in WIDTHS}):  # never upscale
            height = max(1, round(picture.height * width / picture.width))
            sized = picture.resize((width, height), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            sized.save(out, "WEBP", quality=78, method=4)
            made.append((width, height, out.getvalue()))
    return made


def store(session: Session, product: Product, data: bytes,
          made: list[tuple[int, int, bytes]] | None = None) -> None:
    """Replace the product's images with thumbnails of `data` (caller commits)."""
    session.execute(delete(ProductImage).where(ProductImage.product_id == product.id))
    names = []
    for width, height, webp in made or thumbnails(data):
        digest = hashlib.sha256(webp).hexdigest()
        session.add(ProductImage(product_id=product.id, digest=digest,
                                 content_type="image/webp", width=width, height=height,
                                 data=webp, created_at=clock.now()))
        names.append(f"{width}x{height}={digest}")
    product.image = "media:" + ";".join(names)
    product.gallery = product.image  # the gallery starts over with this one image


@lru_cache(maxsize=4096)
@lru_cache(maxsize=4096)
def variants(image: str) -> tuple[tuple[int, int, str], ...]:
    """(width, height, digest) of each thumbnail named by a product's image field (kept
    per process: a catalogue page asks three times for each of its 24 products)."""
    found = []
    for part in image.removeprefix("media:").split(";"):
        size, _, digest = part.partition("=")
        width, _, height = size.partition("x")
        if digest and width.isdigit() and height.isdigit():
            found.append((int(width), int(height), digest))
    return tuple(found)


def placeholder(seed: str, size: int = 640) -> bytes:
    """A simple figure silhouette in colours from the slug (the demo catalogue's images)."""
    shade = hashlib.sha256(seed.encode()).digest()
    back, front = tuple(160 + b % 90 for b in shade[:3]), tuple(30 + b % 90 for b in shade[3:6])
    picture = Image.new("RGB", (size, size), back)
    draw = ImageDraw.Draw(picture)
    draw.ellipse((size * 0.34, size * 0.18, size * 0.66, size * 0.5), fill=front)
    draw.pieslice((size * 0.22, size * 0.55, size * 0.78, size * 1.2), 180, 360, fill=front)
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()
