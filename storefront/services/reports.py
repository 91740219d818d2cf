"""The preorder report: units and orders of each preorder product by state, destination
country and order week. One grouped SQL query does the counting, whatever the number of
orders; the page and the CSV both read `preorder_report`, so they cannot disagree."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, cast, func, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import Date

from storefront.models import Order, OrderLine, Product
from storefront.services import orders

STATES = ("incomplete", "charged", "failed", "cancelled")
CSV_COLUMNS = ("slug", "name", "units_ordered", "units_incomplete", "units_charged",
               "units_failed", "units_cancelled", "orders")


@dataclass
class Tally:
    units: int = 0
    orders: int = 0

    def add(self, units: int, count: int) -> None:
        self.units += units
        self.orders += count


@dataclass
class ProductReport:
    slug: str
    name: str
    release_date: date | None
    window_end: datetime | None
    states: dict[str, Tally] = field(default_factory=lambda: {s: Tally() for s in STATES})
    countries: dict[str, Tally] = field(default_factory=dict)
    weeks: dict[str, Tally] = field(default_factory=dict)

    @property
    def units_ordered(self) -> int:
        """Every unit ever preordered, cancelled ones included (the four states add up)."""
        return sum(t.units for t in self.states.values())

    @property
    def orders(self) -> int:
        return sum(t.orders for t in self.states.values())

    def units(self, state: str) -> int:
        return self.states[state].units

    def add(self, state: str, country: str, week: str, units: int, count: int) -> None:
        self.states[state].add(units, count)
        self.countries.setdefault(country, Tally()).add(units, count)
        self.weeks.setdefault(week, Tally()).add(units, count)


@dataclass
class Report:
    products: list[ProductReport]
    totals: ProductReport


def state_of() -> ColumnElement[str]:
    """The report's state of an order, in SQL."""
    return case(
        (Order.status.in_(("cancelled", "returned")), literal("cancelled")),
        (Order.payment_status.in_(("refunded",)), literal("cancelled")),
        ((Order.status == "placed") & (Order.payment_status == "failed"), literal("failed")),
        ((Order.status == "placed") & Order.payment_status.in_(("incomplete", "charging",
                                                                "pending")),
         literal("incomplete")),
        else_=literal("charged"))


def week_of(session: Session) -> ColumnElement[Any]:
    """The Monday of the week the order was placed (UTC), in SQL."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.date_trunc("week", func.timezone("UTC", Order.created_at)), Date)
    return func.date(Order.created_at, "-6 days", "weekday 1")


def preorder_report(session: Session) -> Report:
    """Every preorder product's counts, in two queries (products, then one GROUP BY)."""
    items = session.execute(select(Product.id, Product.slug, Product.name,
                                   Product.release_date, Product.preorder_ends_at)
                            .where(Product.kind == "preorder").order_by(Product.name)).all()
    by_id = {row.id: ProductReport(row.slug, row.name, row.release_date,
                                   row.preorder_ends_at) for row in items}
    totals = ProductReport("", "Total", None, None)
    if not by_id:
        return Report([], totals)
    state = state_of().label("state")
    country = func.coalesce(Order.shipping_address["country"].as_string(), "").label("country")
    week = week_of(session).label("week")
    grouped = session.execute(
        select(OrderLine.product_id, state, country, week,
               func.sum(OrderLine.quantity).label("units"), func.count().label("orders"))
        .join(Order, Order.id == OrderLine.order_id)
        .where(OrderLine.product_id.in_(list(by_id)), Order.status.in_(orders.VISIBLE))
        .group_by(OrderLine.product_id, state, country, week))
    for row in grouped:
        week_text = str(row.week)[:10] if row.week else ""
        for target in (by_id[row.product_id], totals):
            target.add(row.state, row.country or "", week_text, int(row.units), row.orders)
    for report in (*by_id.values(), totals):
        report.countries = dict(sorted(report.countries.items(), key=lambda kv: -kv[1].units))
        report.weeks = dict(sorted(report.weeks.items()))
    return Report(list(by_id.values()), totals)


def csv_rows(report: Report) -> Iterator[list[Any]]:
    """The report as CSV rows, header first (the QA contract's columns)."""
    yield list(CSV_COLUMNS)
    for item in report.products:
        yield [item.slug, item.name, item.units_ordered, *(item.units(s) for s in STATES),
               item.orders]


def to_csv(rows: Iterator[list[Any]]) -> Iterator[str]:
    """Each row as one CSV line (a formula-looking cell is quoted so spreadsheets keep it
    text)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
