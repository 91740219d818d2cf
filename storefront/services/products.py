"""The staff catalogue: create and edit products, validate uploaded images (R-CAT-*)."""
from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, time

from PIL import Image, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront import clock
from storefront.models import Product, ProductImage
from storefront.services import accounts, facts, fulfilment, images, money, watching
from storefront.services.errors import InvalidInput
from storefront.services.money import parse_usd

FIELDS = ("name", "slug", "kind", "price", "description", "release_date", "preorder_ends",
          "stock", "per_order_limit", "per_customer_limit", "cancellable", "restricted_regions",
          *facts.FACT_FIELDS)
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
REGION_RE = re.compile(r"^[A-Z]{2}$")
MAX_PRICE_CENTS = 100_000_000  # 1,000,000.00 USD: far above any figure, far below int32
MAX_COUNT = 1_000_000
MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
IMAGE_TYPES = {"PNG": ("image/png", "png"), "JPEG": ("image/jpeg", "jpg"),
               "WEBP": ("image/webp", "webp")}
CHECKED = ("on", "1", "true", "yes", "y")


def form_of(product: Product) -> dict[str, str]:
    """A product as the text its admin form shows (and the CLI starts from)."""
    ends = clock.aware(product.preorder_ends_at)
    return {"name": product.name, "slug": product.slug, "kind": product.kind,
            "price": money.plain(product.price_cents),
            "description": product.description or "",
            "release_date": product.release_date.isoformat() if product.release_date else "",
            "preorder_ends": ends.date().isoformat() if ends else "",
            "stock": _text(product.stock), "per_order_limit": _text(product.per_order_limit),
            "per_customer_limit": _text(product.per_customer_limit),
            "cancellable": "on" if product.cancellable else "",
            "restricted_regions": product.restricted_regions, **facts.form_of(product)}


def _text(value: int | None) -> str:
    return "" if value is None else str(value)


def save_product(session: Session, product: Product | None, form: dict[str, str],
                 image: tuple[bytes, str] | None = None) -> Product:
    """Create (product None) or edit a product; every bad field is reported at once."""
    errors: dict[str, str] = {}
    values = _clean(session, product, form, errors)
    picture = check_image(image, errors) if image else None
    if errors:
        raise InvalidInput(errors)
    was = watching.before_change(product)
    if product is None:
        product = Product(slug=values.pop("slug"), created_at=clock.now())
        session.add(product)
    else:
        values.pop("slug", None)
    for key, value in values.items():
        setattr(product, key, value)
    session.flush()
    facts.set_facts(session, product, form)
    if picture:
        _store_image(session, product, picture)
    if was:
        watching.note_change(session, product, was)
    session.commit()
    return product


def _clean(session: Session, product: Product | None, form: dict[str, str],
           errors: dict[str, str]) -> dict:
    """Every field parsed; messages go into `errors` keyed by field name."""
    get = {k: (form.get(k) or "").strip() for k in FIELDS}
    values: dict = {"name": " ".join(get["name"].split())[:200],
                    "description": get["description"][:10000],
                    "cancellable": get["cancellable"].lower() in CHECKED}
    if not values["name"]:
        errors["name"] = "Enter the product name."
    if product is None:
        values["slug"] = _slug(session, get["slug"], errors)
    values["kind"] = get["kind"]
    if get["kind"] not in ("preorder", "instock"):
        errors["kind"] = "Choose preorder or in stock."
    values["price_cents"] = _price(get["price"], errors)
    values["release_date"] = _day(get["release_date"], "release_date", errors)
    ends = _day(get["preorder_ends"], "preorder_ends", errors)
    values["preorder_ends_at"] = _ends_at(product, ends)
    values["stock"] = _count(get["stock"], "stock", 0, errors)
    values["per_order_limit"] = _count(get["per_order_limit"], "per_order_limit", 1, errors)
    values["per_customer_limit"] = _count(get["per_customer_limit"], "per_customer_limit", 1,
                                          errors)
    values["restricted_regions"] = _regions(get["restricted_regions"], errors)
    _check_kind(session, product, values, get, ends, errors)
    return values


def _slug(session: Session, slug: str, errors: dict[str, str]) -> str:
    if not SLUG_RE.match(slug) or len(slug) > 120:
        errors["slug"] = ("Use lowercase letters a-z, digits and single hyphens, "
                          "e.g. aurora-knight-figure (at most 120 characters).")
    elif session.scalar(select(Product.id).where(Product.slug == slug)) is not None:
        errors["slug"] = "Another product already uses this slug."
    return slug


def _price(text: str, errors: dict[str, str]) -> int:
    try:
        cents = parse_usd(text)
    except (ValueError, ArithmeticError):  # Decimal raises InvalidOperation on garbage
        errors["price"] = "Enter a price in US dollars, e.g. 54.50."
        return 0
    if not 0 < cents <= MAX_PRICE_CENTS:
        errors["price"] = "The price must be more than 0.00 and at most 1,000,000.00."
    return cents


def _day(text: str, field: str, errors: dict[str, str]) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[field] = "Enter a date as YYYY-MM-DD."
        return None


def _ends_at(product: Product | None, day: date | None) -> datetime | None:
    """The window closes at the end of its last day; an unchanged day keeps its moment."""
    if day is None:
        return None
    current = product.preorder_ends_at if product else None
    moment = clock.aware(current)
    if moment is not None and moment.date() == day:
        return current  # the same day: keep its exact moment
    return datetime.combine(day, time(23, 59, 59), UTC)


def _count(text: str, field: str, least: int, errors: dict[str, str]) -> int | None:
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and len(text) <= 9) \
            or not least <= int(text) <= MAX_COUNT:
        errors[field] = f"Enter a whole number of at least {least}, or leave it empty."
        return None
    return int(text)


def _regions(text: str, errors: dict[str, str]) -> str:
    codes = list(dict.fromkeys(text.replace(",", " ").split()))
    known = {code for code, _ in accounts.countries()}
    bad = [c for c in codes if not REGION_RE.match(c) or c not in known]
    if bad:
        errors["restricted_regions"] = ("Use two-letter country codes in capitals separated by "
                                        f"spaces, e.g. FR DE (not: {', '.join(bad[:5])}).")
    return " ".join(codes)[:200]


def _check_kind(session: Session, product: Product | None, values: dict,
                get: dict[str, str], ends: date | None, errors: dict[str, str]) -> None:
    """What each kind needs (R-CAT-2), and release dates move only with an email (R-SHP-5)."""
    if values["kind"] == "preorder":
        if not get["release_date"] and "release_date" not in errors:
            errors["release_date"] = "A preorder needs a release date."
        release = values["release_date"]
        if ends and release and ends > release:
            errors["preorder_ends"] = "Preorders must close on or before the release date."
    elif values["kind"] == "instock" and not get["stock"] and "stock" not in errors:
        errors["stock"] = "An in-stock product needs a stock count."
    moved = product is not None and product.release_date is not None \
        and values["release_date"] not in (None, product.release_date)
    if product is not None and moved and "release_date" not in errors \
            and fulfilment.open_orders_of(session, product):
        errors["release_date"] = ("This product has open orders: use Change release date, "
                                  "which emails those customers.")


def check_image(image: tuple[bytes, str], errors: dict[str, str]) -> tuple | None:
    """(bytes, content type, extension, width, height) of a PNG, JPEG or WebP up to 2 MB."""
    data = image[0]
    if len(data) > MAX_IMAGE_BYTES:
        errors["image"] = "The image must be at most 2 MB."
        return None
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind, (width, height) = probe.format, probe.size
            if kind not in IMAGE_TYPES or width * height > MAX_PIXELS:
                raise ValueError(kind)
            probe.verify()
    except (UnidentifiedImageError, ValueError, OSError, SyntaxError,
            Image.DecompressionBombError):
        errors["image"] = "Upload a PNG, JPEG or WebP image (at most 40 megapixels)."
        return None
    content_type, ext = IMAGE_TYPES[kind]
    return data, content_type, ext, width, height


def _store_image(session: Session, product: Product, picture: tuple) -> None:
    """WebP thumbnails of the upload replace the product's older images."""
    images.store(session, product, picture[0])


def image_by_digest(session: Session, digest: str) -> ProductImage | None:
    """An uploaded image by its sha256 (the same bytes may belong to several products)."""
    return session.scalars(select(ProductImage).where(ProductImage.digest == digest)
                           .limit(1)).first()
