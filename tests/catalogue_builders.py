"""Builders for catalogue tests at size: many products with series, makers and characters."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from storefront.models import Character, Maker, Product, ProductCharacter, Series
from storefront.services import clock

SERIES = ("Aurora Saga", "Moonlit Stage", "Pocket Pals", "Star Harbor", "Iron Meadow")
MAKERS = ("Dawnforge Studio", "Silverpine Works", "Kestrel Toys")


def _ids(session: Session, table, names) -> list[int]:  # type: ignore[no-untyped-def]
    from storefront.services.facts import find_or_make

    return [find_or_make(session, table, name).id for name in names]


def many_products(session: Session, count: int, prefix: str = "bulk", start: int = 0,
                  image: str = "") -> None:
    """`count` products (in one statement) spread over series, makers and characters; every
    third is a preorder; prices and dates differ so every sort has ties and runs."""
    series, makers = _ids(session, Series, SERIES), _ids(session, Maker, MAKERS)
    characters = _ids(session, Character, [f"Hero {n}" for n in range(20)])
    now, today = clock.now(), clock.today()
    rows = []
    for i in range(start, start + count):
        preorder = i % 3 == 0
        rows.append(dict(
            slug=f"{prefix}-{i}", name=f"{SERIES[i % 5].split()[0]} Figure {i}",
            kind="preorder" if preorder else "instock", price_cents=1000 + (i * 37) % 5000,
            stock=None if preorder else i % 4, created_at=now - timedelta(seconds=i),
            release_date=today + timedelta(days=30 + i % 200) if preorder else None,
            series_id=series[i % 5], maker_id=makers[i % 3], image=image, description="",
            restricted_regions="FR" if i % 7 == 0 else "", cancellable=True,
            search_text=f"{SERIES[i % 5]} Hero {i % 20} {MAKERS[i % 3]}", gallery=""))
    session.execute(insert(Product), rows)
    ids = dict(session.execute(select(Product.slug, Product.id)
                               .where(Product.slug.like(f"{prefix}-%"))).all())
    session.execute(insert(ProductCharacter), [
        dict(product_id=ids[f"{prefix}-{i}"], character_id=characters[i % 20])
        for i in range(start, start + count)])
    session.commit()
