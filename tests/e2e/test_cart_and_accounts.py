"""Cart, log in, registration and the region rule end to end (R-ACC-*, R-CAT-4)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.support.e2e import FR, NEW, PASSWORD, US, add_to_cart, login

pytestmark = pytest.mark.e2e


def _line(page: Page, slug: str):
    return page.locator(f'[data-testid="cart-line"][data-slug="{slug}"]')


def test_the_cart_with_javascript_changes_a_quantity_and_removes_lines_as_the_header_count_follows(
        page: Page) -> None:
    """R-CHK-1 (check the cart): with htmx, line-quantity and line-remove update the cart
    in place; the header's cart-count follows and cart-empty shows at the end."""
    page.goto("/")
    add_to_cart(page, "aurora-knight-figure")
    add_to_cart(page, "pocket-cat-keychain")
    page.get_by_test_id("cart-link").click()
    expect(page.get_by_test_id("cart-line")).to_have_count(2)
    count = page.get_by_test_id("cart-count")
    expect(count).to_have_text("2")

    quantity = _line(page, "pocket-cat-keychain").get_by_test_id("line-quantity")
    quantity.fill("3")
    quantity.press("Tab")  # the change event: htmx posts and swaps the cart
    expect(count).to_have_text("4")
    expect(_line(page, "pocket-cat-keychain").get_by_test_id("line-quantity")).to_have_value("3")
    expect(page.get_by_test_id("cart-subtotal")).to_contain_text("225.99")  # 189.99 + 3 x 12

    # Enter fires the change event and then the submit: one answer to wait for, not two in a
    # row (hx-sync="replace": the change's request is dropped for the submit's)
    answered: list[str] = []
    page.on("requestfinished", lambda r: answered.append(r.method) if "/cart/lines/" in r.url
            else None)
    quantity = _line(page, "pocket-cat-keychain").get_by_test_id("line-quantity")
    quantity.fill("2")
    quantity.press("Enter")
    expect(count).to_have_text("3")
    page.wait_for_load_state("networkidle")
    assert answered == ["POST"], answered
    expect(page.get_by_test_id("cart-subtotal")).to_contain_text("213.99")  # 189.99 + 2 x 12

    _line(page, "aurora-knight-figure").get_by_test_id("line-remove").click()
    expect(_line(page, "aurora-knight-figure")).to_have_count(0)
    expect(page.get_by_test_id("cart-line")).to_have_count(1)
    expect(count).to_have_text("2")

    _line(page, "pocket-cat-keychain").get_by_test_id("line-remove").click()
    expect(page.get_by_test_id("cart-empty")).to_be_visible()
    expect(page.get_by_test_id("cart-line")).to_have_count(0)
    expect(count).to_have_text("0")

    page.reload()  # the server agrees, not only the page
    expect(page.get_by_test_id("cart-empty")).to_be_visible()
    expect(page.get_by_test_id("cart-count")).to_have_text("0")


def test_a_visitor_who_logs_in_from_the_cart_comes_back_to_checkout_with_the_cart_intact(
        page: Page) -> None:
    """R-ACC-1: browsing and the cart work without an account; "Proceed to purchase" asks
    to log in, then comes back to the checkout with the same cart."""
    page.goto("/")
    expect(page.get_by_test_id("login-link")).to_be_visible()
    add_to_cart(page, "aurora-knight-figure")
    add_to_cart(page, "pocket-cat-keychain")
    page.get_by_test_id("cart-link").click()
    expect(page.get_by_test_id("cart-line")).to_have_count(2)

    page.get_by_test_id("proceed-to-purchase").click()
    form = page.get_by_test_id("login-form")
    expect(form).to_be_visible()
    form.locator("[name=email]").fill(US)
    form.locator("[name=password]").fill(PASSWORD)
    form.get_by_test_id("login-submit").click()

    expect(page.get_by_test_id("account-link")).to_be_visible()
    # Back in the checkout, at its first step not done yet (the saved address may count).
    step = page.get_by_test_id("shipping-step").or_(page.get_by_test_id("payment-step"))
    expect(step).to_be_visible()
    expect(page.get_by_test_id("cart-count")).to_have_text("2")
    page.get_by_test_id("cart-link").click()
    expect(page.get_by_test_id("cart-line")).to_have_count(2)
    for slug in ("aurora-knight-figure", "pocket-cat-keychain"):
        expect(_line(page, slug).get_by_test_id("line-quantity")).to_have_value("1")


def test_a_product_not_sold_in_france_shows_the_region_notice_and_no_preorder_button(
        page: Page) -> None:
    """R-CAT-4: moonlit-dancer-figure is not sold in FR: qa.fr@example.com sees
    region-restricted-notice and cannot preorder it (a visitor can)."""
    page.goto("/products/moonlit-dancer-figure")
    expect(page.get_by_test_id("preorder-button")).to_be_visible()
    expect(page.get_by_test_id("region-restricted-notice")).to_have_count(0)

    login(page, FR)
    page.goto("/products/moonlit-dancer-figure")
    expect(page.get_by_test_id("product-title")).to_be_visible()
    expect(page.get_by_test_id("region-restricted-notice")).to_be_visible()
    expect(page.get_by_test_id("preorder-button")).to_have_count(0)
    expect(page.get_by_test_id("add-to-cart-button")).to_have_count(0)


def test_registration_without_javascript_refuses_a_weak_password_then_creates_and_logs_in(
        no_js_page: Page) -> None:
    """R-ACC-2, R-ACC-3: with JavaScript off, a password without an uppercase letter is
    refused next to the password field, naming what is wrong; a good one (country US,
    terms agreed) creates the account and logs it in."""
    page = no_js_page
    page.goto("/")
    page.get_by_test_id("login-link").click()
    page.get_by_role("link", name="Create an account").click()
    form = page.get_by_test_id("register-form")
    expect(form).to_be_visible()

    def fill(password: str) -> None:
        form.locator("[name=email]").fill(NEW)
        form.locator("[name=password]").fill(password)
        form.locator("[name=password_confirm]").fill(password)
        form.locator("select[name=country]").select_option("US")
        form.locator("[name=agree_terms]").check()
        form.get_by_test_id("register-submit").click()

    fill("qa-passw0rd!")
    error = page.locator('[data-testid="field-error"][data-field="password"]')
    expect(error).to_be_visible()
    expect(error).to_have_text(re.compile("upper", re.I))
    expect(page.get_by_test_id("account-link")).to_have_count(0)

    fill(PASSWORD)
    expect(page.get_by_test_id("account-link")).to_be_visible()
    expect(page.get_by_test_id("login-link")).to_have_count(0)
