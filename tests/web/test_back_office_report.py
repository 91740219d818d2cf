"""The preorder report (page and CSV from the same query) and its fixed query count."""
from __future__ import annotations

import csv
import io
import re

from sqlalchemy import select

from storefront.extensions import db
from storefront.models import Order
from storefront.services import reports
from tests.builders import confirm, counted, customer, login, ready_checkout, user

STAFF = ("staff@example.com", "Staff-Passw0rd!")


def place(session, email: str, items: dict[str, int]) -> str:
    person = user(session, email)
    checkout, seen = ready_checkout(session, person, items)
    return confirm(session, person, checkout, seen).orders[0].number


def cells(html: str, slug: str) -> dict[str, int]:
    row = re.search(rf'data-testid="report-row" data-slug="{slug}">(.*?)</tr>', html, re.S)
    assert row, slug
    return {name: int(value) for name, value in
            re.findall(r'data-testid="([a-z-]+)">(\d+)<', row.group(1))}


def test_report_counts_the_orders_of_two_customers_by_state_and_the_csv_agrees(client, session):
    place(session, "qa.us@example.com", {"aurora-knight-figure": 2})
    place(session, "qa.fr@example.com", {"aurora-knight-figure": 1})
    cancelled = place(session, "qa.us@example.com", {"moonlit-dancer-figure": 1})
    order = session.scalars(select(Order).where(Order.number == cancelled)).one()
    order.status = "cancelled"
    session.commit()
    login(client, *STAFF)
    html = client.get("/admin/reports/preorders").get_data(as_text=True)
    assert cells(html, "aurora-knight-figure") == {
        "units-ordered": 3, "units-incomplete": 3, "units-charged": 0, "units-failed": 0,
        "units-cancelled": 0, "orders": 2}
    assert cells(html, "moonlit-dancer-figure")["units-cancelled"] == 1
    assert cells(html, "grand-castle-diorama")["orders"] == 0
    assert "France" in html and "United States" in html  # by destination country
    response = client.get("/admin/reports/preorders.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == list(reports.CSV_COLUMNS)
    by_slug = {r[0]: r for r in rows[1:]}
    assert by_slug["aurora-knight-figure"][2:] == ["3", "3", "0", "0", "0", "2"]
    assert by_slug["moonlit-dancer-figure"][2:] == ["1", "0", "0", "0", "1", "1"]


def test_report_splits_by_order_week_and_totals(session):
    place(session, "qa.us@example.com", {"aurora-knight-figure": 1})
    customer(session, "second@example.com")
    place(session, "second@example.com", {"aurora-knight-figure": 3})
    report = reports.preorder_report(session)
    aurora = next(p for p in report.products if p.slug == "aurora-knight-figure")
    assert sum(t.units for t in aurora.weeks.values()) == 4
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", week) for week in aurora.weeks)
    assert report.totals.units_ordered == 4 and report.totals.orders == 2
    assert aurora.countries["US"].units == 4


def test_report_runs_a_fixed_number_of_queries_whatever_the_orders(client, session):
    login(client, *STAFF)
    with counted() as before:
        client.get("/admin/reports/preorders")
    for _ in range(3):
        place(session, "qa.us@example.com", {"aurora-knight-figure": 1})
    db.session.remove()
    with counted() as after:
        client.get("/admin/reports/preorders")
    assert len(after) == len(before) <= 6
