"""Browsing from the page cache (issue: fast on two cores): a visitor who has neither signed
in nor started a cart gets the catalogue and product pages from a cache each process keeps
for a few seconds, with a CSRF token of its own; a cart, a sign-in or an htmx request always
gets the page rendered afresh."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import update

from storefront import create_app
from storefront.models import Product
from storefront.web.plumbing import pagecache
from tests.builders import counted, hidden, login
from tests.support.app import settings

PRODUCT = "/products/aurora-knight-figure"


class Ticks:
    """The cache's clock, moved by the tests."""

    def __init__(self) -> None:
        self.now = 1000.0


@pytest.fixture()
def ticks(monkeypatch) -> Ticks:
    ticks = Ticks()
    monkeypatch.setattr(pagecache, "now", lambda: ticks.now)
    return ticks


@pytest.fixture()
def cached_app(app, database_url, ticks):
    """A store that keeps first-visit pages for 2 seconds and checks CSRF tokens."""
    return create_app(settings(database_url, PAGE_CACHE_SECONDS=2, WTF_CSRF_ENABLED=True))


def set_price(session, cents: int) -> None:
    session.execute(update(Product).where(Product.slug == "aurora-knight-figure")
                    .values(price_cents=cents))
    session.commit()


def price_shown(html: str) -> str:
    return re.search(r'data-testid="product-price">([^<]*)<', html).group(1)


def test_a_first_visit_page_is_kept_for_its_lifetime_without_touching_the_database(
        cached_app, session, ticks):
    visitor = cached_app.test_client(use_cookies=False)
    first = visitor.get(PRODUCT).get_data(as_text=True)
    set_price(session, 12345)
    with counted() as statements:
        kept = visitor.get(PRODUCT).get_data(as_text=True)
    assert statements == []
    assert price_shown(kept) == price_shown(first) != "$123.45"
    ticks.now += 2.1
    assert price_shown(visitor.get(PRODUCT).get_data(as_text=True)) == "$123.45"


def test_every_kept_page_carries_a_csrf_token_of_its_own_that_works(cached_app):
    first, second = cached_app.test_client(), cached_app.test_client()
    page_one = first.get(PRODUCT).get_data(as_text=True)
    page_two = second.get(PRODUCT).get_data(as_text=True)
    token_one, token_two = hidden(page_one, "csrf_token"), hidden(page_two, "csrf_token")
    assert token_one != token_two
    assert pagecache.TOKEN_MARK not in page_one + page_two
    refused = second.post("/cart/add", data={"slug": "aurora-knight-figure", "quantity": "1",
                                             "csrf_token": token_one})
    assert refused.status_code == 400
    added = second.post("/cart/add", data={"slug": "aurora-knight-figure", "quantity": "1",
                                           "csrf_token": token_two})
    assert added.status_code == 303
    assert 'data-testid="cart-count">1<' in second.get("/cart/").get_data(as_text=True)


def browsed(app) -> None:
    """Both kinds of kept product page exist: a first visit's and a returning visitor's."""
    app.test_client(use_cookies=False).get(PRODUCT)
    browser = app.test_client()
    browser.get(PRODUCT)
    browser.get(PRODUCT)


def test_a_visitor_with_a_cart_never_gets_the_kept_page(cached_app, session):
    shopper = cached_app.test_client()
    token = hidden(shopper.get(PRODUCT).get_data(as_text=True), "csrf_token")
    shopper.post("/cart/add", data={"slug": "aurora-knight-figure", "quantity": "1",
                                    "csrf_token": token})
    browsed(cached_app)
    set_price(session, 12345)
    mine = shopper.get(PRODUCT).get_data(as_text=True)
    assert 'data-testid="cart-count">1<' in mine and price_shown(mine) == "$123.45"
    kept = cached_app.test_client(use_cookies=False).get(PRODUCT).get_data(as_text=True)
    assert 'data-testid="cart-count">0<' in kept and price_shown(kept) != "$123.45"


def test_a_returning_visitor_gets_the_kept_page_with_the_token_of_their_session(
        cached_app, session):
    visitor, other = cached_app.test_client(), cached_app.test_client()
    visitor.get(PRODUCT)  # the first visit: a session now holds the visitor's token
    other.get(PRODUCT)
    set_price(session, 12345)
    again = visitor.get(PRODUCT).get_data(as_text=True)
    set_price(session, 12399)
    with counted() as statements:
        kept = other.get(PRODUCT).get_data(as_text=True)
    assert statements == [] and price_shown(kept) == price_shown(again) == "$123.45"
    header_token = re.search(r'"X-CSRFToken": "([^"]+)"', kept).group(1)
    assert header_token == hidden(kept, "csrf_token") != hidden(again, "csrf_token")
    added = other.post("/cart/add", data={"slug": "aurora-knight-figure", "quantity": "1"},
                       headers={"X-CSRFToken": header_token, "HX-Request": "true",
                                "HX-Target": "added"})
    assert added.status_code == 200
    assert 'data-testid="cart-count">1<' in other.get(PRODUCT).get_data(as_text=True)


def test_a_signed_in_customer_never_gets_the_kept_page(cached_app, session):
    browsed(cached_app)
    anonymous = cached_app.test_client(use_cookies=False)
    assert 'data-testid="login-link"' in anonymous.get(PRODUCT).get_data(as_text=True)
    customer = cached_app.test_client()
    token = hidden(customer.get("/login").get_data(as_text=True), "csrf_token")
    customer.post("/login", data={"email": "qa.us@example.com", "password": "Qa-Passw0rd!",
                                  "csrf_token": token})
    page = customer.get(PRODUCT).get_data(as_text=True)
    assert 'data-testid="account-link"' in page and 'data-testid="login-link"' not in page


def test_htmx_requests_are_always_rendered_afresh(cached_app, session):
    visitor = cached_app.test_client(use_cookies=False)
    visitor.get(PRODUCT)
    set_price(session, 12345)
    fresh = visitor.get(PRODUCT, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert price_shown(fresh) == "$123.45"


def test_the_catalogue_is_kept_per_query_string(cached_app, session):
    visitor = cached_app.test_client(use_cookies=False)
    first = visitor.get("/")
    found = visitor.get("/?q=pocket").get_data(as_text=True)
    assert "Aurora Knight" in first.get_data(as_text=True) and "Aurora Knight" not in found
    assert first.headers["Cache-Control"] == visitor.get("/").headers["Cache-Control"] \
        == "public, max-age=60"


def test_qa_mode_and_a_zero_lifetime_keep_nothing(app, database_url, session, ticks):
    for knobs, cents, shown in (({"QA_MODE": True, "PAGE_CACHE_SECONDS": 2}, 12345, "$123.45"),
                                ({"PAGE_CACHE_SECONDS": 0}, 12399, "$123.99")):
        store = create_app(settings(database_url, **knobs))
        assert pagecache.EXTENSION not in store.extensions
        visitor = store.test_client(use_cookies=False)
        visitor.get(PRODUCT)
        set_price(session, cents)
        assert price_shown(visitor.get(PRODUCT).get_data(as_text=True)) == shown


def test_a_new_secret_key_ends_old_sessions_and_a_fallback_keeps_them(app, client):
    login(client)
    assert client.get("/account/").status_code == 200
    app.config["SECRET_KEY_FALLBACKS"] = [app.secret_key]
    app.secret_key = "rotated"
    try:
        assert client.get("/account/").status_code == 200
        app.config["SECRET_KEY_FALLBACKS"] = []
        assert client.get("/account/").status_code == 302
    finally:
        app.secret_key = "test"
        app.config["SECRET_KEY_FALLBACKS"] = []
