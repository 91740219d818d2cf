"""The release calendar (issue 15): this month's and the coming months' releases, each with
the shipping date staff confirmed for its orders, at most a few a month (the catalogue,
filtered by month, lists the rest)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, func, literal_column, select
from sqlalchemy.orm import Session

from storefront import clock
from storefront.models import Order, OrderLine, Product

MONTHS = 4
PER_MONTH = 12


@dataclass
class Release:
    slug: str
    name: str
    release_date: date
    shipping_date: date | None


@dataclass
class Month:
    key: str  # YYYY-MM, the catalogue's month filter
    first: date
    total: int = 0
    releases: list[Release] = field(default_factory=list)


def _month_after(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def months_ahead(session: Session, months: int = MONTHS) -> list[Month]:
    """Each month from this one on, its first releases by date and how many there are."""
    today = clock.today()
    start, end = _month_after(today, 0), _month_after(today, months)
    month = (func.to_char(Product.release_date, literal_column("'YYYY-MM'"))
             if session.get_bind().dialect.name == "postgresql"
             else func.substr(Product.release_date, literal_column("1"), literal_column("7")))
    shipping = (select(func.max(Order.shipping_date)).join(OrderLine)
                .where(OrderLine.product_id == Product.id, Order.shipping_date.is_not(None),
                       Order.shipping_date_sent_at.is_not(None))
                .correlate(Product).scalar_subquery())
    ranked = (select(Product.slug, Product.name, Product.release_date,
                     shipping.label("shipping_date"), month.label("month"),
                     func.row_number().over(partition_by=month,
                                            order_by=(Product.release_date, Product.id))
                     .label("n"),
                     func.count().over(partition_by=month).label("total"))
              .where(and_(Product.release_date >= start, Product.release_date < end))
              .subquery())
    found = {key: Month(key, first) for key, first in
             ((f"{d.year:04d}-{d.month:02d}", d)
              for d in (_month_after(today, i) for i in range(months)))}
    for slug, name, released, ships, key, _n, total in session.execute(
            select(ranked).where(ranked.c.n <= PER_MONTH)
            .order_by(ranked.c.release_date, ranked.c.slug)):
        entry = found[key]
        entry.total = total
        entry.releases.append(Release(slug, name, released, ships))
    return list(found.values())
