"""What search engines read: schema.org JSON-LD for products, machine-readable times."""
from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any

from flask import url_for
from markupsafe import Markup

from storefront.models import Product
from storefront.services import catalog, money
from storefront.web import media
from storefront.web.common import base_url

SCHEMA = "https://schema.org/"


def availability(product: Product) -> str:
    """schema.org's ItemAvailability for a visitor (no region): PreOrder while it is open."""
    if product.is_preorder:
        return "PreOrder" if catalog.preorder_open(product) else "SoldOut"
    return "InStock" if product.stock is None or product.stock > 0 else "OutOfStock"


def product_ld(product: Product) -> dict[str, Any]:
    """A schema.org Product with one Offer: price in USD, availability, release date."""
    url = base_url() + url_for("shop.product", slug=product.slug)
    offer: dict[str, Any] = {
        "@type": "Offer", "url": url, "priceCurrency": "USD",
        "price": money.plain(product.price_cents),
        "availability": SCHEMA + availability(product)}
    item: dict[str, Any] = {
        "@context": SCHEMA, "@type": "Product", "name": product.name, "sku": product.slug,
        "url": url, "image": base_url() + media.image_url(product, 320),
        "offers": offer}
    if product.description:
        item["description"] = product.description
    if product.is_preorder and product.release_date:
        item["releaseDate"] = product.release_date.isoformat()
        offer["availabilityStarts"] = product.release_date.isoformat()
    return item


def datetime_attr(value: datetime | date | None) -> str:
    """A valid `<time datetime>`: whole seconds (HTML allows no microseconds)."""
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat()
    return value.isoformat() if value else ""


def meta_text(text: str, limit: int = 155) -> str:
    """A meta description from free text: one line, at most `limit` characters."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + "…"


_JSON_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
_HTML_SPECIAL = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027"}


def ld_json(data: dict[str, Any]) -> Markup:
    """JSON for a <script type="application/ld+json">: no character of it can end the
    script or read as markup, not even a quote (stored text is never trusted)."""
    text = _JSON_STRING.sub(lambda m: '"' + m.group(1).replace('\\"', "\\u0022") + '"',
                            json.dumps(data, ensure_ascii=False))
    for char, escaped in _HTML_SPECIAL.items():
        text = text.replace(char, escaped)
    return Markup(text)
