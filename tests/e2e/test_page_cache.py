"""Browsing from the page cache, in Chromium (issue: fast on two cores). On a store that
keeps the pages visitors see (STOREFRONT_PAGE_CACHE_SECONDS; never in QA mode, so this
module starts a store of its own), a kept product page carries each visitor's own CSRF
token: "Preorder Now" works from it with JavaScript (htmx) and without."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.e2e import running_store, with_timeouts

PRODUCT = "/products/aurora-knight-figure"


@pytest.fixture(scope="module")
def cached_store(request: pytest.FixtureRequest) -> Iterator[str]:
    """Not QA mode, pages kept for 30 s (longer than any test here)."""
    with running_store(request, "cached", PAGE_CACHE_SECONDS="30") as url:
        yield url


def visitor(browser: Browser, javascript: bool = True) -> Page:
    return with_timeouts(browser.new_context(java_script_enabled=javascript)).new_page()


def open_product(page: Page, store: str) -> None:
    page.goto(store + PRODUCT)
    expect(page.get_by_test_id("product-title")).to_be_visible()
    expect(page.get_by_test_id("cart-count")).to_have_text("0")


def preorder(page: Page) -> None:
    page.get_by_test_id("preorder-button").click()
    expect(page.get_by_test_id("cart-count")).to_have_text("1")


def test_a_first_visit_preorders_from_a_kept_page_with_and_without_javascript(
        cached_store: str, browser: Browser) -> None:
    open_product(visitor(browser), cached_store)  # keeps the page for first visits
    for javascript in (True, False):
        page = visitor(browser, javascript)
        open_product(page, cached_store)
        preorder(page)
        page.goto(cached_store + "/cart/")
        expect(page.get_by_test_id("cart-line")).to_have_count(1)
        page.context.close()


def test_a_returning_visitor_preorders_with_htmx_from_a_kept_page(
        cached_store: str, browser: Browser) -> None:
    """The second view of a visitor whose session holds only its token is the kept page of
    such visitors: htmx sends the token from hx-headers and the form."""
    for _ in range(2):
        someone = visitor(browser)
        open_product(someone, cached_store)
        open_product(someone, cached_store)
    page = visitor(browser)
    open_product(page, cached_store)
    open_product(page, cached_store)
    assert page.locator("body[hx-headers\\:inherited]").count() == 1
    preorder(page)
    expect(page.get_by_test_id("flash")).to_contain_text("Added to your cart")
