"""Saved payment methods end to end (issue 15, point 7), through QA hooks only: a card saved
with consent on the first order pays the second order with no card fields, JS on and off."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.support.e2e import (
    US,
    add_to_cart,
    checkout_until_confirm,
    click_continue,
    confirmed_order_numbers,
    expect_in_my_account,
    fill_payment,
    login,
    open_cart_and_proceed,
)

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("javascript", ["on", "off"])
def test_a_returning_customer_pays_the_second_order_with_the_saved_card_issue_15(
        request: pytest.FixtureRequest, live_server: str, javascript: str) -> None:
    page: Page = request.getfixturevalue("page" if javascript == "on" else "no_js_page")
    login(page, US)
    add_to_cart(page, "pocket-cat-keychain")
    open_cart_and_proceed(page)
    checkout_until_confirm(page, stop_at="payment-step")
    step = page.get_by_test_id("payment-step")
    expect(step.get_by_test_id("saved-card")).to_have_count(0)
    fill_payment(page)
    step.locator("[name=save_card]").check()
    click_continue(page, "payment-step")
    expect(page.get_by_test_id("billing-step")).to_be_visible()
    checkout_until_confirm(page)
    page.get_by_test_id("confirm-order").click()
    assert len(confirmed_order_numbers(page)) == 1

    add_to_cart(page, "pocket-cat-keychain")
    open_cart_and_proceed(page)
    checkout_until_confirm(page, stop_at="payment-step")
    step = page.get_by_test_id("payment-step")
    saved = step.get_by_test_id("saved-card")
    expect(saved).to_have_count(1)
    expect(saved).to_contain_text("ending 4242")
    saved.click()
    click_continue(page, "payment-step")
    expect(page.get_by_test_id("billing-step")).to_be_visible()
    checkout_until_confirm(page)
    page.get_by_test_id("confirm-order").click()
    numbers = confirmed_order_numbers(page)
    assert len(numbers) == 1
    expect_in_my_account(page, numbers[0], "Paid")

    page.get_by_test_id("saved-methods-link").click()
    listing = page.get_by_test_id("saved-methods")
    expect(listing.get_by_test_id("saved-method")).to_have_count(1)
    listing.get_by_test_id("remove-saved-method").get_by_role("button").click()
    expect(page.get_by_test_id("saved-methods").get_by_test_id("saved-method")).to_have_count(0)
