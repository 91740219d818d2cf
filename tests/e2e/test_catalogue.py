"""The collectors' catalogue end to end (issue 15), through the QA contract only: filter by
series, page through a long list, and watch an in-stock product that sells out, then get
the back_in_stock email when staff restock it."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.support.e2e import (
    US,
    add_to_cart,
    checkout_until_confirm,
    confirmed_order_numbers,
    login,
    open_cart_and_proceed,
    qa_post,
    wait_for_mail,
)

pytestmark = pytest.mark.e2e
STAFF, STAFF_PASSWORD = "staff@example.com", "Staff-Passw0rd!"
AURORA_SAGA = {"aurora-knight-figure", "closed-window-figure", "grand-castle-diorama",
               "last-one-artbook"}


def card_slugs(page: Page) -> list[str]:
    return [c.get_attribute("data-slug") or ""
            for c in page.get_by_test_id("product-card").all()]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_collector_filters_by_series_from_a_product_page_and_the_filter_form(
        new_context, javascript: bool) -> None:
    page = new_context(java_script_enabled=javascript).new_page()
    page.goto("/products/last-one-artbook")
    expect(page.get_by_test_id("product-series")).to_have_text("Aurora Saga")
    expect(page.get_by_test_id("product-maker")).to_be_visible()
    page.get_by_test_id("product-series").click()
    expect(page).to_have_url(re.compile(r"series=aurora-saga"))
    assert set(card_slugs(page)) == AURORA_SAGA
    form = page.get_by_test_id("catalogue-filters")
    form.locator("select[name=series]").select_option("pocket-pals")
    if not javascript:
        form.locator("button").click()
    expect(page).to_have_url(re.compile(r"series=pocket-pals"))
    expect(page.get_by_test_id("product-card")).to_have_count(1)
    assert card_slugs(page) == ["pocket-cat-keychain"]
    if javascript:  # Enter in the search box fires change and submit: one answer, not two
        answered: list[str] = []
        page.on("requestfinished", lambda r: answered.append(r.url)
                if r.resource_type == "fetch" else None)
        search = form.locator("input[name=q]")
        search.fill("keychain")
        search.press("Enter")
        expect(page).to_have_url(re.compile(r"q=keychain"))
        page.wait_for_load_state("networkidle")
        assert len(answered) == 1, answered
        assert card_slugs(page) == ["pocket-cat-keychain"]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_long_list_pages_forward_and_back_without_repeats(
        new_context, live_server: str, javascript: bool) -> None:
    qa_post(live_server, "/_qa/catalogue", {"products": 50})
    page = new_context(java_script_enabled=javascript).new_page()
    page.goto("/?sort=price")
    first = card_slugs(page)
    assert len(first) == 24
    expect(page.get_by_test_id("previous-page")).to_have_count(0)
    page.get_by_test_id("next-page").click()
    expect(page).to_have_url(re.compile(r"after="))
    expect(page.get_by_test_id("product-card").first).not_to_have_attribute(
        "data-slug", first[0])
    expect(page.get_by_test_id("product-card")).to_have_count(24)
    second = card_slugs(page)
    page.get_by_test_id("next-page").click()
    expect(page.get_by_test_id("product-card")).to_have_count(8)  # the whole last page
    expect(page.get_by_test_id("next-page")).to_have_count(0)
    third = card_slugs(page)
    assert len(first + second + third) == len(set(first + second + third)) == 56
    page.get_by_test_id("previous-page").click()
    expect(page.get_by_test_id("product-card").first).to_have_attribute(
        "data-slug", second[0])


def test_a_watcher_of_a_product_that_sells_out_is_emailed_when_staff_restock_it(
        new_context, page: Page, live_server: str) -> None:
    login(page, US)
    page.goto("/products/last-one-artbook")
    watch = page.get_by_test_id("watch-button")
    expect(watch).to_have_text("Watch")
    watch.click()  # htmx swaps the button in place
    expect(page.get_by_test_id("watch-button")).to_have_text("Watching")
    page.get_by_test_id("account-link").click()
    expect(page.locator('[data-testid="watched-product"][data-slug="last-one-artbook"]')) \
        .to_be_visible()

    add_to_cart(page, "last-one-artbook")  # the only copy: sold out once ordered
    open_cart_and_proceed(page)
    checkout_until_confirm(page)
    page.get_by_test_id("confirm-order").click()
    confirmed_order_numbers(page)
    page.goto("/products/last-one-artbook")
    expect(page.get_by_test_id("add-to-cart-button")).to_have_count(0)

    staff = new_context().new_page()
    staff.goto("/")
    login(staff, STAFF, STAFF_PASSWORD)
    staff.goto("/admin")
    staff.get_by_test_id("admin-nav-products").click()
    staff.locator('[data-testid="product-row"][data-slug="last-one-artbook"] a').first.click()
    form = staff.get_by_test_id("admin-product-form")
    form.locator("[name=stock]").fill("5")
    form.get_by_test_id("admin-product-form-submit").click()
    expect(staff.locator('[data-testid="flash"][data-level="success"]')).to_be_visible()

    qa_post(live_server, "/_qa/run-due-jobs")
    (mail,) = wait_for_mail(live_server, US, "back_in_stock")
    assert "Last One Artbook" in mail["subject"]
    unsubscribe = re.search(r"(https?://\S+/watch/unsubscribe/\S+)", mail["text"]).group(1)
    assert unsubscribe
    qa_post(live_server, "/_qa/run-due-jobs")
    assert len(wait_for_mail(live_server, US, "back_in_stock")) == 1  # never twice
