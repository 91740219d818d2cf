"""Collector facts of a product: series, characters, maker, scale and category (issue 15).

Each is a row of its own table, found or made by its name; the product's `search_text`
gathers the words full-text search looks at, written here whenever one of them changes."""
from __future__ import annotations

import re
import unicodedata

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storefront.models import (
    Category,
    Character,
    Maker,
    Product,
    ProductCharacter,
    Scale,
    Series,
)

FACT_FIELDS = ("series", "maker", "scale", "category", "characters")
MAX_NAME = 120
MAX_CHARACTERS = 12
FacetTable = type[Series] | type[Maker] | type[Scale] | type[Category] | type[Character]
TABLES: dict[str, FacetTable] = {"series": Series, "maker": Maker, "scale": Scale,
                                 "category": Category}


def slugify(name: str) -> str:
    """"Aurora Saga" -> "aurora-saga"; accents dropped, anything else becomes a hyphen."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:MAX_NAME] or "x"


def clean_name(text: str) -> str:
    return " ".join(text.split())[:MAX_NAME]


def character_names(text: str) -> list[str]:
    """Comma-separated names as staff type them, each once, at most twelve."""
    names = [clean_name(n) for n in text.split(",")]
    return list(dict.fromkeys(n for n in names if n))[:MAX_CHARACTERS]


def find_or_make(session: Session, table: FacetTable, name: str):  # type: ignore[no-untyped-def]
    """The row of this name (by its slug), made if new; None for an empty name."""
    name = clean_name(name)
    if not name:
        return None
    slug = slugify(name)
    row = session.scalars(select(table).where(table.slug == slug)).first()
    if row is None:
        row = table(slug=slug, name=name)
        session.add(row)
        session.flush()
    return row


def set_facts(session: Session, product: Product, form: dict[str, str]) -> None:
    """Give the (flushed) product the facts the form names (a field left out of the form
    keeps its value); the search text follows. The caller commits."""
    for field, table in TABLES.items():
        if field in form:
            row = find_or_make(session, table, form[field])
            setattr(product, f"{field}_id", row.id if row else None)
    if "characters" in form:
        names = character_names(form["characters"])
        rows = [find_or_make(session, Character, n) for n in names]
        session.execute(delete(ProductCharacter)
                        .where(ProductCharacter.product_id == product.id))
        for row_id in dict.fromkeys(r.id for r in rows if r is not None):
            session.add(ProductCharacter(product_id=product.id, character_id=row_id))
    else:
        names = list(session.scalars(
            select(Character.name).join(ProductCharacter)
            .where(ProductCharacter.product_id == product.id).order_by(Character.name)))
    product.search_text = search_text(session, product, names)


def search_text(session: Session, product: Product, characters: list[str]) -> str:
    """Series, characters and maker: the words a search matches besides the name."""
    words: list[str] = []
    if product.series_id is not None:
        words.append(session.get_one(Series, product.series_id).name)
    if product.maker_id is not None:
        words.append(session.get_one(Maker, product.maker_id).name)
    return " ".join(words + characters)


def form_of(product: Product) -> dict[str, str]:
    """The facts as the product form shows them."""
    return {"series": product.series.name if product.series else "",
            "maker": product.maker.name if product.maker else "",
            "scale": product.scale.name if product.scale else "",
            "category": product.category.name if product.category else "",
            "characters": ", ".join(c.name for c in product.characters)}
