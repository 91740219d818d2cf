"""PayPal and coupons in Chromium, through the QA contract (R-CHK-5, R-CHK-7)."""
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
    login,
    open_cart_and_proceed,
)

pytestmark = pytest.mark.e2e


def to_payment_step(page: Page, slug: str) -> None:
    login(page, US)
    add_to_cart(page, slug)
    open_cart_and_proceed(page)
    checkout_until_confirm(page, stop_at="payment-step")


def choose_paypal(page: Page) -> None:
    page.get_by_test_id("payment-method-paypal").click()
    click_continue(page, "payment-step")
    expect(page.get_by_role("button", name="Approve")).to_be_visible()


def test_paypal_approved_on_its_page_pays_the_in_stock_order(page: Page) -> None:
    """R-CHK-5: PayPal sends the customer to approve and back; the order is paid (R-PAY-1)."""
    to_payment_step(page, "pocket-cat-keychain")
    choose_paypal(page)
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_test_id("billing-step")).to_be_visible()
    checkout_until_confirm(page)
    expect(page.get_by_test_id("confirm-step")).to_contain_text("PayPal")
    page.get_by_test_id("confirm-order").click()
    (number,) = confirmed_order_numbers(page)
    expect_in_my_account(page, number, "Paid")


def test_paypal_cancelled_returns_to_the_payment_step_with_a_message(page: Page) -> None:
    """R-CHK-5: Cancel on PayPal's page: back to the payment step, nothing ordered."""
    to_payment_step(page, "aurora-knight-figure")
    choose_paypal(page)
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_test_id("payment-step")).to_be_visible()
    expect(page.locator('[data-testid="flash"][data-level="error"]')).to_contain_text(
        "PayPal was cancelled")
    page.get_by_test_id("account-link").click()
    expect(page.get_by_test_id("order-row")).to_have_count(0)


def test_a_coupon_applied_to_a_split_cart_discounts_one_order(page: Page) -> None:
    """R-CHK-7, R-CHK-3: WELCOME10 takes 10% off the largest qualifying order only."""
    login(page, US)
    for slug in ("aurora-knight-figure", "moonlit-dancer-figure", "pocket-cat-keychain"):
        add_to_cart(page, slug)
    open_cart_and_proceed(page)
    checkout_until_confirm(page)
    page.get_by_test_id("coupon-code").fill("WELCOME10")
    page.get_by_test_id("apply-coupon").click()
    discount = page.get_by_test_id("order-discount")
    expect(discount).to_have_count(1)
    expect(discount).to_have_text("−$19.00")
    expect(page.get_by_test_id("order-preview")).to_have_count(3)
    page.get_by_test_id("confirm-order").click()
    assert len(confirmed_order_numbers(page)) == 3


def test_an_expired_coupon_is_refused_next_to_the_field(page: Page) -> None:
    """R-CHK-7: EXPIRED5 is refused with a message; the typed code stays."""
    login(page, US)
    add_to_cart(page, "pocket-cat-keychain")
    open_cart_and_proceed(page)
    checkout_until_confirm(page)
    page.get_by_test_id("coupon-code").fill("EXPIRED5")
    page.get_by_test_id("apply-coupon").click()
    expect(page.locator('[data-testid="field-error"][data-field="coupon_code"]')
           ).to_contain_text("expired")
    expect(page.get_by_test_id("coupon-code")).to_have_value("EXPIRED5")
