"""The demo catalogue, accounts and data of the QA contract, the same after every reset."""
from __future__ import annotations

import json
from datetime import timedelta
from functools import cache
from pathlib import Path

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from storefront import clock
from storefront.models import (
    Address,
    Base,
    Character,
    Coupon,
    Maker,
    Product,
    ProductCharacter,
    Series,
)
from storefront.services import accounts, facts, images

CUSTOMER_PASSWORD = "Qa-Passw0rd!"
STAFF_PASSWORD = "Staff-Passw0rd!"


def _products() -> list[dict]:
    """The demo products (demo_products.json), their dates counted from today."""
    now = clock.now()
    products = json.loads((Path(__file__).parent / "demo_products.json").read_text())
    for product in products:
        if "release_in_days" in product:
            product["release_date"] = now.date() + timedelta(days=product.pop("release_in_days"))
        if "preorder_ends_in_days" in product:
            product["preorder_ends_at"] = now + timedelta(days=product.pop("preorder_ends_in_days"))
    return products


@cache
def _thumbnails(slug: str) -> list[tuple[int, int, bytes]]:
    """The demo pictures are the same at every reset: made once per process."""
    return images.thumbnails(images.placeholder(slug))


def seed(session: Session, staff: bool = True) -> None:
    """Add the demo data to an empty database (one transaction). `staff=False` leaves out
    the demo staff account, whose password is published (outside development and QA)."""
    now = clock.now()
    for i, data in enumerate(_products()):
        known = data.pop("facts")
        product = Product(created_at=now - timedelta(minutes=i), **data)
        session.add(product)
        session.flush()
        facts.set_facts(session, product, known)
        images.store(session, product, b"", made=_thumbnails(data["slug"]))
    us = accounts.create_user(session, email="qa.us@example.com", password=CUSTOMER_PASSWORD,
                              region="US")
    session.add(Address(user_id=us.id, full_name="Quinn Avery", line1="350 Fifth Avenue",
                        city="NEW YORK", state="NY", postal_code="10118", country="US",
                        phone="+1 212 555 0100", is_default=True))
    fr = accounts.create_user(session, email="qa.fr@example.com", password=CUSTOMER_PASSWORD,
                              region="FR")
    session.add(Address(user_id=fr.id, full_name="Camille Martin", line1="12 rue de Rivoli",
                        city="PARIS", postal_code="75004", country="FR",
                        phone="+33 1 55 55 01 00", is_default=True))
    if staff:
        member = accounts.create_user(session, email="staff@example.com",
                                      password=STAFF_PASSWORD, region="US", is_staff=True)
        member.staff_role = "manager"  # QA scripts drive every back-office action
        clerk = accounts.create_user(session, email="clerk@example.com",
                                     password=STAFF_PASSWORD, region="US", is_staff=True)
        clerk.staff_role = "staff"  # orders, shipping, exchanges, notes; no manager powers
    session.add_all([
        Coupon(code="WELCOME10", kind="percent", value=10, min_items_cents=2000,
               once_per_customer=True, created_at=now),
        Coupon(code="FIVEOFF", kind="amount", value=500, once_per_customer=False,
               created_at=now),
        Coupon(code="EXPIRED5", kind="amount", value=500, starts_at=now - timedelta(days=30),
               ends_at=now - timedelta(days=1), created_at=now),
    ])
    session.commit()


def reset(session: Session, staff: bool = True) -> None:
    """Wipe every table and seed again (QA's POST /_qa/reset)."""
    for table in reversed(Base.metadata.sorted_tables):
        session.execute(delete(table))
    session.commit()
    seed(session, staff)


# --- bulk catalogue (issue 15): QA's POST /_qa/catalogue, tests and bench at size ------

SERIES = ("Aurora Saga", "Moonlit Stage", "Pocket Pals", "Star Harbor", "Iron Meadow")
MAKERS = ("Dawnforge Studio", "Silverpine Works", "Kestrel Toys")


def _ids(session: Session, table, names) -> list[int]:  # type: ignore[no-untyped-def]
    return [facts.find_or_make(session, table, name).id for name in names]


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
            search_text=f"{SERIES[i % 5]} Hero {i % 20} {MAKERS[i % 3]}",
            gallery=image if image.startswith("media:") else ""))
    session.execute(insert(Product), rows)
    ids = dict(session.execute(select(Product.slug, Product.id)
                               .where(Product.slug.like(f"{prefix}-%"))).all())
    session.execute(insert(ProductCharacter), [
        dict(product_id=ids[f"{prefix}-{i}"], character_id=characters[i % 20])
        for i in range(start, start + count)])
    session.commit()


def add_bulk(session: Session, count: int) -> int:
    """QA's extra products ("qa-extra-N"), after any added before."""
    start = len(session.scalars(select(Product.id).where(Product.slug.like("qa-extra-%")))
                .all())
    many_products(session, count, prefix="qa-extra", start=start)
    return count
