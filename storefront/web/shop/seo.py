"""What search engines read of a product: schema.org Product JSON-LD with one Offer."""
from __future__ import annotations

from typing import Any

from flask import url_for

from storefront.models import Product
from storefront.services import catalog, money
from storefront.web.plumbing.rendering import base_url
from storefront.web.shop import media

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
