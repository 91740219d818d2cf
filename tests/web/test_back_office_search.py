"""Order search (number, email, name, product, status, payment, dates), keyset pages with no
cap, the streamed CSV of a search, and the warehouse's shipping list."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from sqlalchemy import select

from storefront import clock
from storefront.extensions import db
from storefront.models import Order
from storefront.services import fulfilment, order_search
from tests.builders import confirm, counted, login, ready_checkout, user

STAFF = ("staff@example.com", "Staff-Passw0rd!")


def place(session, email: str, items: dict[str, int]) -> str:
    person = user(session, email)
    checkout, seen = ready_checkout(session, person, items)
    return confirm(session, person, checkout, seen).orders[0].number


def numbers(html: str) -> list[str]:
    return re.findall(r'data-testid="order-row" data-order-number="([^"]+)"', html)


def test_search_finds_an_order_by_customer_name_email_number_and_product(client, session):
    us = place(session, "qa.us@example.com", {"aurora-knight-figure": 1})
    fr = place(session, "qa.fr@example.com", {"aurora-knight-figure": 1})
    cat = place(session, "qa.us@example.com", {"pocket-cat-keychain": 2})
    login(client, *STAFF)
    page = client.get("/admin/?q=camille").get_data(as_text=True)  # Camille Martin, Paris
    assert 'data-testid="order-search"' in page and numbers(page) == [fr]
    assert numbers(client.get(f"/admin/?q={us[-4:]}").get_data(as_text=True)) == [us]
    assert set(numbers(client.get("/admin/?q=qa.us@").get_data(as_text=True))) == {us, cat}
    assert numbers(client.get("/admin/?product=pocket-cat-keychain").get_data(as_text=True)) \
        == [cat]
    assert set(numbers(client.get("/admin/?payment=incomplete").get_data(as_text=True))) \
        == {us, fr}
    today = clock.today()
    assert len(numbers(client.get(f"/admin/?from={today}&to={today}").get_data(
        as_text=True))) == 3
    tomorrow = today + timedelta(days=1)
    assert numbers(client.get(f"/admin/?from={tomorrow}").get_data(as_text=True)) == []
    # Nonsense in any field is left out, never a 500.
    assert client.get("/admin/?from=x&to=2026-13-45&status=%00&after=zz~q").status_code == 200


def test_keyset_pages_walk_every_order_once_with_no_cap(session):
    placed = [place(session, "qa.us@example.com", {"pocket-cat-keychain": 1}) for _ in range(7)]
    seen: list[str] = []
    cursor = ""
    pages = 0
    while True:
        found, cursor = order_search.search_page(session, order_search.Search(), cursor, size=3)
        seen += [o.number for o in found]
        pages += 1
        if not cursor:
            break
    assert sorted(seen) == sorted(placed) and len(seen) == 7 and pages == 3


def test_the_next_page_link_and_one_query_per_page(client, session):
    for _ in range(3):
        place(session, "qa.us@example.com", {"pocket-cat-keychain": 1})
    login(client, *STAFF)
    order_search.PAGE_SIZE, old = 2, order_search.PAGE_SIZE
    try:
        first = client.get("/admin/").get_data(as_text=True)
        link = re.search(r'data-testid="next-page" href="([^"]+)"', first)
        assert link and len(numbers(first)) == 2
        with counted() as statements:
            second = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
        assert len(numbers(second)) == 1 and not set(numbers(second)) & set(numbers(first))
        assert sum("FROM orders" in s for s in statements) == 1
    finally:
        order_search.PAGE_SIZE = old


def test_orders_csv_holds_the_current_search(client, session):
    us = place(session, "qa.us@example.com", {"aurora-knight-figure": 1})
    place(session, "qa.fr@example.com", {"aurora-knight-figure": 1})
    login(client, *STAFF)
    page = client.get("/admin/?q=qa.us").get_data(as_text=True)
    href = re.search(r'data-testid="orders-csv" href="([^"]+)"', page).group(1)
    response = client.get(href.replace("&amp;", "&"))
    assert response.mimetype == "text/csv" and response.is_streamed
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["number", "placed_at", "email", "status", "payment_status", "total"]
    assert [r[0] for r in rows[1:]] == [us]
    assert rows[1][2:] == ["qa.us@example.com", "placed", "incomplete", "207.99"]  # with shipping


def test_shipping_list_per_product_and_confirmed_date(client, session):
    first = place(session, "qa.us@example.com", {"aurora-knight-figure": 2})
    place(session, "qa.fr@example.com", {"aurora-knight-figure": 1})  # no date confirmed
    day = clock.today() + timedelta(days=5)
    order = db.session.scalars(select(Order).where(Order.number == first)).one()
    fulfilment.finalize_shipping_date(session, [order], day, actor="test")
    login(client, *STAFF)
    assert 'data-testid="shipping-list-csv"' in client.get(
        "/admin/products/aurora-knight-figure").get_data(as_text=True)
    html = client.get(f"/admin/products/aurora-knight-figure/shipping-list?date={day}") \
        .get_data(as_text=True)
    assert re.findall(r'data-testid="shipping-row" data-order-number="([^"]+)"', html) == [first]
    assert "350 Fifth Avenue" in html and "+1 212 555 0100" in html
    rows = list(csv.reader(io.StringIO(client.get(
        "/admin/products/aurora-knight-figure/shipping-list.csv").get_data(as_text=True))))
    assert rows[1][:3] == [day.isoformat(), first, "Quinn Avery"]
    assert rows[1][-2:] == ["2", "2 x Aurora Knight Figure"] and len(rows) == 2


def test_a_whole_order_number_in_any_case_finds_that_order(client, session):
    number = place(session, "qa.us@example.com", {"pocket-cat-keychain": 1})
    place(session, "qa.us@example.com", {"pocket-cat-keychain": 1})
    login(client, *STAFF)
    assert numbers(client.get(f"/admin/?q={number.lower()}").get_data(as_text=True)) == [number]
    assert numbers(client.get(f"/admin/?q= {number} ").get_data(as_text=True)) == [number]


def test_hostile_search_text_is_only_ever_a_pattern(client, session):
    number = place(session, "qa.us@example.com", {"pocket-cat-keychain": 1})
    login(client, *STAFF)
    for text in ("'; DROP TABLE orders; --", "100%", "a_b", "\\", "O'Brien", "%' OR '1'='1"):
        response = client.get("/admin/", query_string={"q": text})
        assert response.status_code == 200 and numbers(response.get_data(as_text=True)) == []
    assert numbers(client.get("/admin/?q=Quinn").get_data(as_text=True)) == [number]
