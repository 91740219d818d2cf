"""Google and Facebook sign-in in Chromium, through the QA instance's local providers, using
only the QA contract: `google-login`, `facebook-login`, the provider page's `email` field
and `Sign in` button, then `country` and `register-submit` (R-ACC-2, R-ACC-5, R-ACC-6)."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.support.e2e import FR, NEW, PASSWORD, login

pytestmark = pytest.mark.e2e


def sign_in_with(page: Page, button: str, email: str) -> None:
    """Header login-link, the provider button, then the provider's own sign-in page."""
    page.goto("/cart/")
    page.get_by_test_id("login-link").click()
    page.get_by_test_id(button).click()
    sign_in = page.get_by_role("button", name="Sign in", exact=True)
    expect(sign_in).to_be_visible()
    page.locator("[name=email]").fill(email)
    sign_in.click()


def choose_country(page: Page, code: str) -> None:
    page.locator("[name=country]").select_option(code)
    page.get_by_test_id("register-submit").click()


def test_a_new_customer_signs_up_with_google_then_signs_in_again_R_ACC_2_R_ACC_5(
        page: Page) -> None:
    """First sign-in asks the country of residence, then the customer is signed in; the
    second sign-in asks nothing."""
    sign_in_with(page, "google-login", NEW)
    choose_country(page, "FR")
    expect(page.get_by_test_id("account-link")).to_be_visible()

    page.get_by_test_id("logout-button").click()
    expect(page.get_by_test_id("login-link")).to_be_visible()
    sign_in_with(page, "google-login", NEW)
    expect(page.get_by_test_id("account-link")).to_be_visible()
    expect(page.locator("[name=country]")).to_have_count(0)


def test_japan_is_refused_at_the_first_google_sign_in_R_ACC_6(page: Page) -> None:
    sign_in_with(page, "google-login", NEW)
    choose_country(page, "JP")
    expect(page.locator('[data-testid="field-error"][data-field="country"]')).to_contain_text(
        "Japan")
    expect(page.get_by_test_id("account-link")).to_have_count(0)
    choose_country(page, "US")
    expect(page.get_by_test_id("account-link")).to_be_visible()


def test_a_new_customer_signs_up_with_facebook_without_javascript_R_ACC_2(
        no_js_page: Page) -> None:
    sign_in_with(no_js_page, "facebook-login", NEW)
    choose_country(no_js_page, "GB")
    expect(no_js_page.get_by_test_id("account-link")).to_be_visible()


def test_google_links_to_a_password_account_only_after_its_password_R_ACC_7(
        page: Page) -> None:
    sign_in_with(page, "google-login", FR)
    page.locator("[name=password]").fill("Wrong-Passw0rd!")
    page.get_by_test_id("link-submit").click()
    expect(page.get_by_test_id("form-errors")).to_be_visible()
    page.locator("[name=password]").fill(PASSWORD)
    page.get_by_test_id("link-submit").click()
    expect(page.get_by_test_id("account-link")).to_be_visible()
    page.get_by_test_id("logout-button").click()
    login(page, FR)  # the password still works as well
