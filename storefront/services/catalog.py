"""Catalogue rules: what is listed, and whether a customer may buy it (R-CAT-*)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, joinedload

from storefront import clock
from storefront.models import Product
from storefront.services import likes
from storefront.services.errors import (
    InvalidQuantity,
    LimitExceeded,
    NotFound,
    OutOfStock,
    RegionRestricted,
    WindowClosed,
)

DEFAULT_PREORDER_LIMIT = 3


@dataclass(frozen=True)
class Availability:
    """Whether the product can be bought now, and if not, the reason in words."""
    can_buy: bool
    reason: str = ""
    region_restricted: bool = False


def list_products(session: Session, *, query: str = "", kind: str = "", month: str = ""
                  ) -> list[Product]:
    """Products by name search, kind (preorder|instock) and release month (YYYY-MM)."""
    stmt: Select[Product] = select(Product).order_by(Product.created_at.desc(),
                                                            Product.id.desc())
    words = query.strip()[:100]
    if words:
        like = likes.containing(words)
        stmt = stmt.where(or_(Product.name.ilike(like, escape=likes.ESCAPE),
                              Product.slug.ilike(like, escape=likes.ESCAPE)))
    if kind in ("preorder", "instock"):
        stmt = stmt.where(Product.kind == kind)
    first = _month_start(month)
    if first is not None:
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        stmt = stmt.where(Product.release_date >= first, Product.release_date < following)
    return list(session.scalars(stmt))


def release_months(session: Session) -> list[str]:
    """The YYYY-MM months in which listed preorders are released, for the filter."""
    dates = session.scalars(select(Product.release_date).distinct()
                            .where(Product.release_date.is_not(None)))
    return sorted({d.strftime("%Y-%m") for d in dates if d})


def _month_start(month: str) -> date | None:
    try:
        return datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        return None


def get_product(session: Session, slug: str, with_facts: bool = False) -> Product:
    """The product with this slug (with its collector facts in the same statement when
    asked), or NotFound."""
    stmt = select(Product).where(Product.slug == slug)
    if with_facts:
        stmt = stmt.options(joinedload(Product.series), joinedload(Product.maker),
                            joinedload(Product.scale), joinedload(Product.category),
                            joinedload(Product.characters))
    product = session.scalars(stmt).unique().one_or_none()
    if product is None:
        raise NotFound("No such product.")
    return product


def per_order_limit(product: Product) -> int | None:
    """The most units one order may hold (R-CAT-5); preorders default to 3."""
    if product.per_order_limit is not None:
        return product.per_order_limit
    return DEFAULT_PREORDER_LIMIT if product.is_preorder else None


def preorder_open(product: Product, at: datetime | None = None) -> bool:
    """A preorder window closes at its end date (R-CAT-6)."""
    ends = clock.aware(product.preorder_ends_at)
    return ends is None or (at or clock.now()) < ends


def availability(product: Product, region: str | None) -> Availability:
    """Can a customer of this region buy the product now (R-CAT-4, R-CAT-6)?"""
    if not product.sold_in(region):
        return Availability(False, "This product is not sold in your region.", True)
    if product.is_preorder and not preorder_open(product):
        return Availability(False, "Preorders for this product have closed.")
    if product.stock is not None and product.stock <= 0:
        return Availability(False, "Sold out.")
    return Availability(True)


def check_purchasable(product: Product, region: str | None, quantity: int) -> None:
    """Raise the named error that forbids buying `quantity` units now."""
    if quantity < 1:
        raise InvalidQuantity("Choose a quantity of at least 1.", field="quantity")
    state = availability(product, region)
    if state.region_restricted:
        raise RegionRestricted(f"{product.name} is not sold in your region.")
    if product.stock is not None and product.stock <= 0:
        raise_stock(product)
    if not state.can_buy:
        raise WindowClosed(f"{product.name}: {state.reason}")  # the one reason left
    limit = per_order_limit(product)
    if limit is not None and quantity > limit:
        raise_limit(product, limit)
    if product.stock is not None and quantity > product.stock:
        raise_stock(product)


def raise_limit(product: Product, limit: int) -> None:
    raise LimitExceeded(f"{product.name} is limited to {limit} per order.", field="quantity")


def raise_stock(product: Product) -> None:
    left = max(product.stock or 0, 0)
    raise OutOfStock(f"Only {left} of {product.name} left." if left else
                     f"Sorry, {product.name} is no longer available.", field="quantity")
