"""Checkout end to end, in Chromium, through the QA contract only (R-CHK-*, R-PAY-*)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.support.e2e import (
    DEBIT_CARD,
    DECLINED_CARD,
    US,
    add_to_cart,
    buy,
    checkout_until_confirm,
    click_continue,
    confirmed_order_numbers,
    expect_confirmation_mail,
    expect_in_my_account,
    fill_payment,
    login,
    open_cart_and_proceed,
    qa_post,
    wait_for_mail,
)

pytestmark = pytest.mark.e2e


def test_a_preorder_confirmed_with_javascript_reads_incomplete_in_my_account_and_is_emailed(
        page: Page, live_server: str) -> None:
    """R-CHK-1, R-PAY-2, R-CHK-8: Preorder Now -> Cart -> Proceed to purchase -> steps ->
    Confirm Order shows the exact success message and one order number; the order is in
    My Account reading "Incomplete" (not charged), and its confirmation email names it."""
    buy(page, US, ["aurora-knight-figure"])
    page.get_by_test_id("confirm-order").click()

    numbers = confirmed_order_numbers(page)
    assert len(numbers) == 1
    expect_in_my_account(page, numbers[0], "Incomplete")
    expect_confirmation_mail(live_server, US, numbers)


def test_an_in_stock_order_confirmed_without_javascript_is_paid_at_once(
        no_js_page: Page, live_server: str) -> None:
    """R-PAY-1, R-CHK-1, R-CHK-8: with JavaScript off (plain forms), an in-stock order ends
    on the success message, reads "Paid" in My Account and is emailed."""
    page = no_js_page
    buy(page, US, ["pocket-cat-keychain"])
    page.get_by_test_id("confirm-order").click()

    numbers = confirmed_order_numbers(page)
    assert len(numbers) == 1
    expect_in_my_account(page, numbers[0], "Paid")
    expect_confirmation_mail(live_server, US, numbers)


def test_a_cart_of_two_preorders_and_an_in_stock_item_becomes_three_orders_each_with_a_fee(
        page: Page, live_server: str) -> None:
    """R-CHK-3, R-CHK-4: each preorder is its own order and the in-stock items one more;
    the confirm page previews the three, each with its shipping fee (18.00 USD default)."""
    buy(page, US, ["aurora-knight-figure", "moonlit-dancer-figure", "pocket-cat-keychain"])

    previews = page.get_by_test_id("order-preview")
    expect(previews).to_have_count(3)
    for preview in previews.all():
        fee = preview.get_by_test_id("shipping-fee")
        expect(fee).to_have_count(1)
        expect(fee).to_contain_text("18.00")
    page.get_by_test_id("confirm-order").click()

    numbers = confirmed_order_numbers(page)
    assert len(numbers) == 3 and len(set(numbers)) == 3, numbers
    page.get_by_test_id("account-link").click()
    expect(page.get_by_test_id("order-row")).to_have_count(3)
    expect_confirmation_mail(live_server, US, numbers)


def test_a_double_clicked_replayed_and_resubmitted_confirm_order_makes_one_order(
        page: Page, live_server: str) -> None:
    """R-CHK-2: a double click on Confirm Order, then the same form posted again (a retried
    request), then the back button (and Confirm Order again if the confirm page comes back)
    make exactly one order and one confirmation email."""
    buy(page, US, ["pocket-cat-keychain"])
    confirm = page.get_by_test_id("confirm-order")
    form = confirm.locator("xpath=ancestor::form[1]")
    action = form.get_attribute("action") or page.url
    fields = {name: form.locator(f"[name={name}]").input_value()
              for name in ("csrf_token", "checkout", "seen")}

    confirm.dblclick()
    numbers = confirmed_order_numbers(page)
    assert len(numbers) == 1

    # A retried request: the very same form posted again from the same session.
    replay = page.request.post(action if action.startswith("http") else
                               page.url.split("/checkout")[0] + action, form=fields)
    assert replay.status < 500, f"replayed Confirm Order answered {replay.status}"

    # The back button to the confirm page, and Confirm Order once more if it is offered.
    page.go_back()
    page.wait_for_load_state()
    if confirm.is_visible():
        confirm.click()
        assert confirmed_order_numbers(page) == numbers

    page.get_by_test_id("account-link").click()
    rows = page.get_by_test_id("order-row")
    expect(rows).to_have_count(1)
    expect(rows).to_have_attribute("data-order-number", numbers[0])
    qa_post(live_server, "/_qa/run-due-jobs")
    expect_confirmation_mail(live_server, US, numbers)


def _to_payment_step(page: Page) -> None:
    login(page, US)
    add_to_cart(page, "pocket-cat-keychain")
    open_cart_and_proceed(page)
    checkout_until_confirm(page, stop_at="payment-step")


def _refused_card(page: Page, live_server: str, card: str, reason: re.Pattern) -> None:
    _to_payment_step(page)
    fill_payment(page, card)
    click_continue(page, "payment-step")

    error = page.locator('[data-testid="field-error"][data-field="card_number"]')
    expect(error).to_be_visible()
    expect(error).to_have_text(reason)
    expect(page.get_by_test_id("payment-step")).to_be_visible()
    expect(page.get_by_test_id("confirm-order")).to_have_count(0)

    page.get_by_test_id("account-link").click()
    expect(page.get_by_test_id("order-history")).to_be_visible()
    expect(page.get_by_test_id("order-row")).to_have_count(0)
    assert wait_for_mail(live_server, US, "order_confirmation", timeout=0) == []


def test_a_declined_card_keeps_the_customer_on_the_payment_step_and_orders_nothing(
        page: Page, live_server: str) -> None:
    """R-CHK-5, R-CHK-6: card 4000 0000 0000 0002 is declined at checkout: the payment step
    again, a field-error on card_number saying so, no order, no email."""
    _refused_card(page, live_server, DECLINED_CARD, re.compile("declined", re.I))


def test_a_debit_card_is_refused_with_a_message_on_the_card_number(
        page: Page, live_server: str) -> None:
    """R-CHK-5: debit cards are not accepted (4000 0566 5566 5556): a field-error on
    card_number says so and nothing is ordered."""
    _refused_card(page, live_server, DEBIT_CARD, re.compile("debit", re.I))
