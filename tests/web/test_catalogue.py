"""The collectors' catalogue on the web (issue 15): facts as links, filters in the URL,
next/previous pages, suggestions for an empty result, and the budgets at 2,000 products."""
from __future__ import annotations

import re

import pytest

from tests.builders import counted, login
from tests.catalogue_builders import many_products
from tests.web.test_budgets import MAX_QUERIES, wire

STAFF = ("staff@example.com", "Staff-Passw0rd!")


def cards(response) -> list[str]:
    return re.findall(r'data-testid="product-card" data-slug="([^"]+)"',
                      response.get_data(as_text=True))


def link(response, testid: str) -> str | None:
    found = re.search(rf'data-testid="{testid}"[^>]*href="([^"]+)"',
                      response.get_data(as_text=True))
    return found.group(1).replace("&amp;", "&") if found else None


def test_the_product_page_links_its_series_and_maker_to_the_filtered_catalogue(client):
    page = client.get("/products/last-one-artbook")
    assert link(page, "product-series") == "/?series=aurora-saga"
    assert link(page, "product-maker") == "/?maker=dawnforge-studio"
    assert "Dawn Squire" in page.get_data(as_text=True)
    assert set(cards(client.get(link(page, "product-series")))) == {
        "aurora-knight-figure", "closed-window-figure", "grand-castle-diorama",
        "last-one-artbook"}


def test_staff_edit_the_facts_on_the_product_form(client):
    login(client, *STAFF)
    form = client.get("/admin/products/pocket-cat-keychain").get_data(as_text=True)
    assert 'name="series" type="text" value="Pocket Pals"' in form
    values = dict(re.findall(r'<input id="f-[a-z_]+" name="([a-z_]+)" type="(?:text|date|'
                             r'number)" value="([^"]*)"', form))
    values |= {"kind": "instock", "cancellable": "on", "series": "Star Harbor",
               "characters": "Sleepy Cat, Captain Vega", "maker": "Kestrel Toys"}
    saved = client.post("/admin/products/pocket-cat-keychain", data=values)
    assert saved.status_code == 303, saved.get_data(as_text=True)[:2000]
    page = client.get("/products/pocket-cat-keychain")
    assert link(page, "product-series") == "/?series=star-harbor"
    assert cards(client.get("/?character=captain-vega")) == ["pocket-cat-keychain"]


def test_the_filter_form_is_a_get_form_whose_url_says_everything(client):
    page = client.get("/?series=aurora-saga&kind=preorder&sort=price-desc")
    html = page.get_data(as_text=True)
    assert 'data-testid="catalogue-filters" method="get"' in html
    for name in ("q", "kind", "month", "series", "maker", "character", "sort"):
        assert f'name="{name}"' in html
    assert '<option value="aurora-saga" selected>Aurora Saga (3)</option>' in html
    assert cards(page) == ["grand-castle-diorama", "aurora-knight-figure",
                           "closed-window-figure"]


def test_next_and_previous_page_links_walk_the_list(client, session):
    many_products(session, 50)
    first = client.get("/?sort=price")
    assert len(cards(first)) == 24 and link(first, "previous-page") is None
    second = client.get(link(first, "next-page"))
    third = client.get(link(second, "next-page"))
    assert len(cards(third)) == 8 and link(third, "next-page") is None
    seen = cards(first) + cards(second) + cards(third)
    assert len(set(seen)) == 56
    assert cards(client.get(link(third, "previous-page"))) == cards(second)


def test_an_empty_result_suggests_removing_a_filter(client):
    page = client.get("/?q=knight&series=pocket-pals")
    html = page.get_data(as_text=True)
    assert "No products match" in html
    without_series = re.search(r'data-filter="series" href="([^"]+)"', html).group(1)
    assert cards(client.get(without_series.replace("&amp;", "&")))[0] == \
        "aurora-knight-figure"


def test_htmx_filters_answer_with_the_catalogue_fragment(client):
    page = client.get("/?series=pocket-pals", headers={"HX-Request": "true",
                                                        "HX-Target": "catalogue"})
    assert b"<html" not in page.data and cards(page) == ["pocket-cat-keychain"]


@pytest.fixture()
def big_catalogue(session):
    many_products(session, 2000, image="media:160x160=" + "a" * 64 + ";320x320=" + "b" * 64)


@pytest.mark.parametrize("path", ["/", "/?series=star-harbor&kind=instock&sort=price",
                                  "/?q=aurora+hero", "/?character=hero-3&available=1",
                                  "/?sort=release&month="])
def test_every_catalogue_page_keeps_its_budgets_at_2000_products(client, big_catalogue,
                                                                 path):
    """At most 4 statements and 14 KB of HTML and CSS on the wire, signed in or not."""
    css = open("static/css/store.css", "rb").read()
    for signed_in in (False, True):
        if signed_in:
            login(client)
        with counted() as statements:
            page = client.get(path)
        assert page.status_code == 200
        assert len(statements) <= MAX_QUERIES, (path, statements)
        assert wire(page.data) + wire(css) <= 14 * 1024, path
        nxt = link(page, "next-page")
        if nxt:
            with counted() as statements:
                assert client.get(nxt).status_code == 200
            assert len(statements) <= MAX_QUERIES, nxt


def test_counts_are_kept_a_few_seconds_per_process_outside_tests_and_qa(database_url, app,
                                                                        session):
    """Pages of the same filters share their counts (the products themselves are always
    read afresh), so a catalogue page at any size mostly runs one statement."""
    from storefront import create_app
    from tests.support.app import settings

    kept = create_app(settings(database_url, TESTING=False, CATALOGUE_COUNTS_SECONDS=30))
    client = kept.test_client()
    with counted() as first:
        client.get("/?series=aurora-saga")
    many_products(session, 30)
    with counted() as again:
        page = client.get("/?series=aurora-saga&sort=price")
    assert len(again) == len(first) - 1
    assert "Aurora Saga (4)" in page.get_data(as_text=True)  # counted before the 30 came
    assert len(cards(page)) == 10  # but the products are today's
    qa = create_app(settings(database_url, TESTING=False, QA_MODE=True))
    assert "Aurora Saga (10)" in qa.test_client().get("/?series=aurora-saga").get_data(
        as_text=True)


def test_on_postgresql_a_page_that_only_reads_runs_without_begin_and_rollback(client):
    """A catalogue page's statements run in autocommit (two round trips of four: no BEGIN,
    no ROLLBACK); a request that writes, such as signing in, keeps its transaction."""
    from sqlalchemy import event

    from storefront.extensions import db

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite requests that only read already begin DEFERRED")
    seen: list[tuple[str, bool]] = []

    def note(conn, _cursor, statement, *_rest):
        seen.append((statement.split()[0].upper(), conn.connection.dbapi_connection.autocommit))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        assert client.get("/?q=aurora").status_code == 200
        reads, seen[:] = list(seen), []
        assert login(client).status_code in (200, 303)
        writes = list(seen)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert reads and all(autocommit for _, autocommit in reads), reads
    assert writes and not any(autocommit for _, autocommit in writes), writes


def test_the_pages_that_only_read_are_the_ones_marked_so(app):
    """Only these GETs run without a write lock (SQLite DEFERRED, PostgreSQL autocommit):
    every other request begins its transaction IMMEDIATE, so a write never meets a reader's
    lock half-way."""
    marked = {endpoint for endpoint, view in app.view_functions.items()
              if getattr(view, "reads_only", False)}
    assert marked == {
        "shop.index", "shop.product", "shop.releases", "shop.product_image",
        "shop.unsubscribe", "pages.guide_index", "pages.guide", "pages.terms",
        "pages.privacy", "pages.contact", "health.healthz", "health.readyz", "cart.show",
        "account.orders_page", "account.order", "admin.orders_page", "admin.orders_csv",
        "admin.shipping_list_page", "admin.shipping_list_csv", "admin.audit_page",
        "admin.report_preorders", "admin.report_preorders_csv"}
