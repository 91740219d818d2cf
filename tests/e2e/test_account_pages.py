"""My Account pages in Chromium: password reset through the QA mailbox, the address book,
and account deletion refused then allowed (R-ACC-3, R-ACC-5, R-ACC-8, R-ACC-9)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.support.e2e import FR, PASSWORD, US, buy, confirmed_order_numbers, login, wait_for_mail

pytestmark = pytest.mark.e2e
STAFF, STAFF_PASSWORD = "staff@example.com", "Staff-Passw0rd!"
NEW_PASSWORD = "Fresh-Passw0rd#2"


@pytest.fixture
def staff(new_context) -> Page:
    page = new_context().new_page()
    page.goto("/")
    login(page, STAFF, STAFF_PASSWORD)
    return page


def place(page: Page, slug: str) -> str:
    buy(page, US, [slug])
    page.get_by_test_id("confirm-order").click()
    (number,) = confirmed_order_numbers(page)
    return number


def open_deletion_page(page: Page) -> None:
    page.get_by_test_id("account-link").click()
    page.get_by_test_id("delete-account").click()


def test_a_forgotten_password_is_reset_through_the_emailed_link_R_ACC_3(
        page: Page, new_context, live_server: str) -> None:
    """The link from the QA mailbox sets a new password; other sessions are logged out."""
    elsewhere = new_context().new_page()
    login(elsewhere, US)
    page.goto("/")
    page.get_by_test_id("login-link").click()
    page.get_by_test_id("forgot-password").click()
    page.locator("[name=email]").fill(US)
    page.get_by_test_id("reset-submit").click()
    expect(page.get_by_test_id("flash")).to_contain_text("If an account uses that email")
    (mail,) = wait_for_mail(live_server, US, "password_reset")
    link = re.search(r"https?://\S+/password/reset/\S+", mail["text"]).group(0)
    page.goto(link)
    page.locator("[name=password]").fill("weak password")
    page.locator("[name=password_confirm]").fill("weak password")
    page.get_by_test_id("reset-submit").click()
    expect(page.locator('[data-testid="field-error"][data-field="password"]')) \
        .to_contain_text("spaces")
    page.locator("[name=password]").fill(NEW_PASSWORD)
    page.locator("[name=password_confirm]").fill(NEW_PASSWORD)
    page.get_by_test_id("reset-submit").click()
    expect(page.get_by_test_id("order-history")).to_be_visible()
    expect(page.get_by_test_id("account-link")).to_be_visible()
    elsewhere.reload()
    expect(elsewhere.get_by_test_id("login-link")).to_be_visible()
    page.goto(link)
    expect(page.get_by_test_id("reset-link-invalid")).to_contain_text("already been used")
    page.get_by_test_id("logout-button").click()
    login(page, US, NEW_PASSWORD)


def test_the_address_book_adds_an_address_in_the_account_region_R_ACC_5(page: Page) -> None:
    login(page, FR)
    page.get_by_test_id("account-link").click()
    page.get_by_test_id("address-book").click()
    page.get_by_test_id("new-address").click()
    expect(page.locator("[name=country]")).to_have_value("FR")
    for name, value in {"full_name": "Camille Martin", "line1": "3 rue du Bac",
                        "city": "Paris", "postal_code": "7500"}.items():
        page.locator(f"[name={name}]").fill(value)
    page.get_by_test_id("address-save").click()
    expect(page.locator('[data-testid="field-error"][data-field="postal_code"]')).to_be_visible()
    page.locator("[name=postal_code]").fill("75007")
    page.get_by_test_id("address-save").click()
    expect(page.locator('[data-testid="flash"][data-level="success"]')).to_be_visible()
    expect(page.get_by_test_id("address-card")).to_have_count(2)
    expect(page.get_by_test_id("address-list")).to_contain_text("3 rue du Bac")


def test_deletion_is_refused_while_a_preorder_is_unshipped_R_ACC_8(page: Page) -> None:
    number = place(page, "aurora-knight-figure")
    open_deletion_page(page)
    expect(page.get_by_test_id("blocking-order")).to_have_text(number)
    expect(page.get_by_test_id("delete-confirm")).to_have_count(0)


def test_deletion_is_allowed_once_staff_ship_the_order_R_ACC_8(
        page: Page, staff: Page, live_server: str) -> None:
    """Refused with the order number, then allowed after shipment; a last email goes out."""
    number = place(page, "pocket-cat-keychain")
    open_deletion_page(page)
    expect(page.get_by_test_id("blocking-order")).to_have_text(number)
    staff.goto("/admin")
    staff.get_by_test_id("admin-nav-orders").click()
    staff.locator(f'[data-testid="order-row"][data-order-number="{number}"]') \
        .get_by_role("link").first.click()
    form = staff.get_by_test_id("mark-shipped")
    form.locator("[name=carrier]").fill("DHL")
    form.locator("[name=tracking_number]").fill("JD0146000012")
    form.locator("button").first.click()
    expect(staff.locator('[data-testid="flash"][data-level="success"]')).to_be_visible()
    page.reload()
    expect(page.get_by_test_id("blocking-order")).to_have_count(0)
    page.locator("[name=password]").fill(PASSWORD)
    page.get_by_test_id("delete-confirm").click()
    expect(page.get_by_test_id("login-link")).to_be_visible()
    (mail,) = wait_for_mail(live_server, US, "account_deleted")
    assert "deleted" in mail["subject"]
    page.get_by_test_id("login-link").click()
    form = page.get_by_test_id("login-form")
    form.locator("[name=email]").fill(US)
    form.locator("[name=password]").fill(PASSWORD)
    form.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("form-errors")).to_be_visible()
