"""The release calendar (issue 15): this and the coming months' releases with confirmed
shipping dates, linked from the header, within the page budgets at any size."""
from __future__ import annotations

import re
from datetime import timedelta

from storefront import clock
from storefront.services import calendar, fulfilment
from tests.builders import confirm, counted, product, ready_checkout, user
from tests.catalogue_builders import many_products
from tests.web.test_budgets import MAX_QUERIES, wire


def test_the_header_links_the_calendar_which_lists_coming_releases_by_month(client, session):
    assert 'data-testid="calendar-link" href="/releases"' in client.get("/").get_data(
        as_text=True)
    html = client.get("/releases").get_data(as_text=True)
    knight = product(session, "aurora-knight-figure")
    key = knight.release_date.strftime("%Y-%m")
    months = re.findall(r'data-testid="release-month" data-month="([0-9-]+)"', html)
    assert months[0] == clock.today().strftime("%Y-%m") and len(months) == 4
    if key in months:  # 120 days ahead: in the fourth month or the fifth
        section = html.split(f'data-month="{key}"')[1].split("</section>")[0]
        assert 'data-slug="aurora-knight-figure"' in section
    assert 'data-slug="closed-window-figure"' in html  # 45 days ahead: always shown


def test_a_confirmed_shipping_date_shows_next_to_its_release(client, session):
    knight = product(session, "aurora-knight-figure")
    knight.release_date, knight.preorder_ends_at = clock.today() + timedelta(days=20), None
    session.commit()
    person = user(session)
    checkout, seen = ready_checkout(session, person, {"aurora-knight-figure": 1})
    confirm(session, person, checkout, seen)
    ships = clock.today() + timedelta(days=25)
    fulfilment.finalize_shipping_date(session, fulfilment.open_orders_of(session, knight),
                                      ships, actor="staff:test")
    found = {r.slug: r for m in calendar.months_ahead(session) for r in m.releases}
    assert found["aurora-knight-figure"].shipping_date == ships
    assert found["closed-window-figure"].shipping_date is None
    html = client.get("/releases").get_data(as_text=True)
    item = html.split('data-slug="aurora-knight-figure"')[1].split("</li>")[0]
    assert 'data-testid="confirmed-shipping-date"' in item


def test_the_calendar_keeps_its_budgets_at_2000_products(client, session):
    many_products(session, 2000)
    css = open("static/css/store.css", "rb").read()
    with counted() as statements:
        page = client.get("/releases")
    assert page.status_code == 200 and len(statements) <= MAX_QUERIES
    assert wire(page.data) + wire(css) <= 14 * 1024
    assert "All " in page.get_data(as_text=True)  # the rest is a filtered catalogue away
