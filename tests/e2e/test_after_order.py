"""After the order, through the admin pages and My Account, in Chromium (issue: after the order).

Staff work in their own browser context; the customer in another; the clock and the jobs
are driven through the QA endpoints, as an outside QA script would."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.support.e2e import (
    US,
    VISA,
    buy,
    confirmed_order_numbers,
    login,
    qa_post,
    wait_for_mail,
)

pytestmark = pytest.mark.e2e
STAFF, STAFF_PASSWORD = "staff@example.com", "Staff-Passw0rd!"
FAILS_LATER = "4000 0000 0000 0341"


@pytest.fixture
def staff(new_context) -> Page:
    page = new_context().new_page()
    page.set_default_timeout(10_000)
    page.goto("/")
    login(page, STAFF, STAFF_PASSWORD)
    return page


def place(page: Page, slug: str, card: str = VISA) -> str:
    buy(page, US, [slug], card)
    page.get_by_test_id("confirm-order").click()
    (number,) = confirmed_order_numbers(page)
    return number


def open_admin_order(staff: Page, number: str) -> None:
    staff.goto("/admin")
    staff.get_by_test_id("admin-nav-orders").click()
    row = staff.locator(f'[data-testid="order-row"][data-order-number="{number}"]')
    row.get_by_role("link").first.click()


def submit(form, **fields: str) -> None:
    for name, value in fields.items():
        form.locator(f"[name={name}]").fill(value)
    form.locator("button").first.click()


def finalize(staff: Page, number: str, day: date) -> None:
    open_admin_order(staff, number)
    submit(staff.get_by_test_id("finalize-shipping-date"), shipping_date=day.isoformat())
    expect(staff.locator('[data-testid="flash"][data-level="success"]')).to_be_visible()


def open_my_order(page: Page, number: str) -> None:
    page.get_by_test_id("account-link").click()
    row = page.locator(f'[data-testid="order-row"][data-order-number="{number}"]')
    row.get_by_role("link").first.click()
    expect(page.get_by_test_id("order-detail")).to_be_visible()


def soon(days: int = 14) -> date:
    return date.today() + timedelta(days=days)


def test_staff_finalize_a_shipping_date_and_the_customer_is_emailed_and_charged(
        page: Page, staff: Page, live_server: str) -> None:
    """R-PAY-3, R-SHP-3: the confirmed date is emailed and the preorder charged that day."""
    number = place(page, "aurora-knight-figure")
    finalize(staff, number, soon())
    (mail,) = wait_for_mail(live_server, US, "shipping_date")
    assert number in mail["subject"] and soon().isoformat() in mail["text"]
    open_my_order(page, number)
    expect(page.get_by_test_id("order-status")).to_have_text("Shipping date confirmed")


def test_a_failing_card_gets_the_payment_error_email_and_update_payment_fixes_it(
        page: Page, staff: Page, live_server: str) -> None:
    """R-PAY-4, R-PAY-5: the later charge fails, the customer is emailed, and a new card of
    the same method on the order page is charged at once."""
    number = place(page, "aurora-knight-figure", card=FAILS_LATER)
    finalize(staff, number, soon())
    (mail,) = wait_for_mail(live_server, US, "payment_error")
    assert number in mail["subject"]
    open_my_order(page, number)
    expect(page.get_by_test_id("order-status")).to_have_text("Payment error")
    page.get_by_test_id("update-payment").click()
    form = page.get_by_test_id("update-payment-form")
    form.locator("[name=card_number]").fill(VISA)
    form.locator("[name=card_expiry]").fill("12/34")
    form.locator("[name=card_cvc]").fill("123")
    form.locator("[name=card_name]").fill("Quinn Avery")
    page.get_by_test_id("update-payment-submit").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Shipping date confirmed")


def test_an_unpaid_order_is_cancelled_with_an_email_when_the_clock_moves_eight_days(
        page: Page, staff: Page, live_server: str) -> None:
    """R-PAY-4: after the one-week deadline the due jobs cancel the order and email it."""
    number = place(page, "aurora-knight-figure", card=FAILS_LATER)
    finalize(staff, number, soon())
    wait_for_mail(live_server, US, "payment_error")
    later = datetime.now(UTC) + timedelta(days=8)
    qa_post(live_server, "/_qa/clock", {"now": later.isoformat()})
    try:
        summary = qa_post(live_server, "/_qa/run-due-jobs")
        assert summary["cancelled_unpaid"] == 1
        (mail,) = wait_for_mail(live_server, US, "payment_deadline_cancelled")
        assert number in mail["subject"]
        open_my_order(page, number)
        expect(page.get_by_test_id("order-status")).to_have_text("Cancelled")
    finally:
        qa_post(live_server, "/_qa/clock", {"now": None})


def test_staff_mark_an_order_shipped_and_the_tracking_number_reaches_the_customer(
        page: Page, staff: Page, live_server: str) -> None:
    """R-SHP-2: carrier and tracking number are emailed and shown on the order page."""
    number = place(page, "pocket-cat-keychain")
    open_admin_order(staff, number)
    submit(staff.get_by_test_id("mark-shipped"), carrier="DHL", tracking_number="JD0146000012")
    expect(staff.locator('[data-testid="flash"][data-level="success"]')).to_be_visible()
    (mail,) = wait_for_mail(live_server, US, "shipped")
    assert "JD0146000012" in mail["text"] and "DHL" in mail["text"]
    open_my_order(page, number)
    expect(page.get_by_test_id("order-detail")).to_contain_text("JD0146000012")


def test_a_release_date_change_emails_the_customer(
        page: Page, staff: Page, live_server: str) -> None:
    """R-SHP-5: every customer with an open order of the product is emailed."""
    number = place(page, "moonlit-dancer-figure")
    staff.goto("/admin")
    staff.get_by_test_id("admin-nav-products").click()
    staff.locator('[data-testid="product-row"][data-slug="moonlit-dancer-figure"]') \
        .get_by_role("link").first.click()
    new = soon(400)
    submit(staff.get_by_test_id("change-release-date"), release_date=new.isoformat())
    (mail,) = wait_for_mail(live_server, US, "release_date_changed")
    assert number in mail["subject"] and new.isoformat() in mail["text"]


def test_an_address_change_is_refused_after_the_shipping_date_email(
        page: Page, staff: Page, live_server: str) -> None:
    """R-SHP-4: the address can be changed until the shipping-date email, then no more."""
    number = place(page, "aurora-knight-figure")
    open_my_order(page, number)
    expect(page.get_by_test_id("change-address")).to_be_visible()
    finalize(staff, number, soon())
    wait_for_mail(live_server, US, "shipping_date")
    page.reload()
    expect(page.get_by_test_id("change-address")).to_have_count(0)
    expect(page.get_by_test_id("order-detail")).to_contain_text("can no longer be changed")
