"""The preorder report: units and orders of each preorder product by state, destination
country and order week. One grouped SQL query does the counting, whatever the number of
orders; the page and the CSV both read `preorder_report`, so they cannot disagree.

An order's report state (migration 0008 writes it into report_lines with triggers):
cancelled = cancelled, returned or fully refunded; failed = placed with a failed charge;
incomplete = placed and not charged yet; charged = paid (placed, shipped or delivered).
Orders that never became orders (a failed checkout charge) are left out."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, literal, select, tuple_, union_all
from sqlalchemy.orm import Session

from storefront.models import Product, ReportLine

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

    def add(self, dimension: str, key: str, units: int, count: int) -> None:
        """Counts of one state, country or week."""
        if dimension == "state":
            self.states[key].add(units, count)
        else:
            tallies = self.countries if dimension == "country" else self.weeks
            tallies.setdefault(key, Tally()).add(units, count)


@dataclass
class Report:
    products: list[ProductReport]
    totals: ProductReport


def preorder_report(session: Session) -> Report:
    """Every preorder product's counts, in two queries: the products, then GROUP BYs over
    report_lines (one narrow row per order line, kept in step with the orders by database
    triggers; index-only scans)."""
    items = session.execute(select(Product.id, Product.slug, Product.name,
                                   Product.release_date, Product.preorder_ends_at)
                            .where(Product.kind == "preorder").order_by(Product.name)).all()
    by_id = {row.id: ProductReport(row.slug, row.name, row.release_date,
                                   row.preorder_ends_at) for row in items}
    totals = ProductReport("", "Total", None, None)
    if not by_id:
        return Report([], totals)
    line = ReportLine
    wanted = (line.product_id.in_(list(by_id)), line.state.in_(STATES))

    def by(dimension: str, column: Any) -> Any:
        return (select(line.product_id, literal(dimension).label("dimension"),
                       column.label("key"), func.sum(line.quantity).label("units"),
                       func.count().label("orders"))
                .where(*wanted).group_by(line.product_id, column))

    if session.get_bind().dialect.name == "postgresql":
        # One scan of the index, three groupings (the others' columns come back NULL).
        rows = session.execute(
            select(line.product_id, line.state, line.country, line.week,
                   func.sum(line.quantity).label("units"), func.count().label("orders"))
            .where(*wanted)
            .group_by(func.grouping_sets(tuple_(line.product_id, line.state),
                                         tuple_(line.product_id, line.country),
                                         tuple_(line.product_id, line.week))))
        grouped = [(r.product_id, *_dimension(r.state, r.country, r.week), r.units, r.orders)
                   for r in rows]
    else:  # SQLite has no GROUPING SETS: the same three groupings, in one statement
        grouped = [tuple(r) for r in session.execute(union_all(
            by("state", line.state), by("country", line.country), by("week", line.week)))]
    for product_id, dimension, key, units, count in grouped:
        for target in (by_id[product_id], totals):
            target.add(dimension, key or "", int(units), count)
    for report in (*by_id.values(), totals):
        report.countries = dict(sorted(report.countries.items(), key=lambda kv: -kv[1].units))
        report.weeks = dict(sorted(report.weeks.items()))
    return Report(list(by_id.values()), totals)


def _dimension(state: str | None, country: str | None, week: str | None) -> tuple[str, str]:
    if state is not None:
        return "state", state
    return ("country", country) if country is not None else ("week", week or "")


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
