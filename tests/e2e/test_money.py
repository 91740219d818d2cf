"""Money under faults in Chromium (issue 11), through the QA contract: the provider's faults
(POST /_qa/gateway), its ledger (GET /_qa/payments), the clock and the due jobs. Each test
ends with the money invariant over the store's database (tests/money.py)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.money import assert_money_adds_up_in
from tests.support.e2e import (
    STORE_DATABASES,
    US,
    buy,
    checkout_until_confirm,
    confirmed_order_numbers,
    provider_ledger,
    qa_post,
    wait_for_mail,
)

from .test_after_order import finalize, open_admin_order, open_my_order, place, soon, staff
from .test_payments import choose_paypal, to_payment_step

pytestmark = pytest.mark.e2e
LIMITED_CARD = "4000 0000 0000 9995"  # declines above 500.00 USD
MASTERCARD = "5555 5555 5555 4444"
__all__ = ["staff"]  # the fixture, shared with test_after_order


def money_adds_up(live_server: str) -> None:
    assert_money_adds_up_in(STORE_DATABASES[live_server])


def kept(moves: list[dict]) -> int:
    """What the provider keeps, from its ledger."""
    sign = {"charge": 1, "capture": 1, "refund": -1}
    return sum(sign.get(m["kind"], 0) * m["amount_cents"] for m in moves
               if m["status"] == "succeeded")


def run_due_jobs_later(live_server: str, minutes: int = 5) -> None:
    moment = datetime.now(UTC) + timedelta(minutes=minutes)
    qa_post(live_server, "/_qa/clock", {"now": moment.isoformat()})
    qa_post(live_server, "/_qa/run-due-jobs")


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_a_declined_charge_in_a_split_leaves_no_money_taken(
        page: Page, no_js_page: Page, live_server: str, js: bool) -> None:
    """The keychain order (30.00) is held, the diorama (1,267.00) declined: nothing kept."""
    shopper = page if js else no_js_page
    buy(shopper, US, ["pocket-cat-keychain", "grand-castle-diorama"], card=LIMITED_CARD)
    shopper.get_by_test_id("confirm-order").click()
    expect(shopper.locator('[data-testid="flash"][data-level="error"]')
           .or_(shopper.get_by_test_id("form-errors")).first).to_be_visible()
    expect(shopper.get_by_test_id("order-success")).to_have_count(0)
    moves = provider_ledger(live_server, US)
    assert any(m["kind"] == "authorization" and m["status"] == "declined" for m in moves)
    assert kept(moves) == 0, moves
    assert not [m for m in moves if m["kind"] in ("charge", "capture")
                and m["status"] == "succeeded"]
    shopper.get_by_test_id("account-link").click()
    expect(shopper.get_by_test_id("order-row")).to_have_count(0)
    money_adds_up(live_server)


def test_a_refund_during_an_outage_is_pending_then_refunded(
        page: Page, staff: Page, live_server: str) -> None:
    """Staff cancel a paid order while the provider is down: "pending", then "refunded"
    once it is back and the due jobs ran; the emails say "on its way", then "refunded"."""
    number = place(page, "grand-castle-diorama")  # charged at ordering (above 1,000.00)
    qa_post(live_server, "/_qa/gateway", {"outage": ["refund"]})
    open_admin_order(staff, number)
    form = staff.get_by_test_id("staff-cancel")
    form.locator("[name=reason]").fill("The maker cancelled the production run")
    staff.get_by_test_id("staff-cancel-submit").click()
    expect(staff.get_by_test_id("refunds")).to_contain_text("pending")
    open_my_order(page, number)
    expect(page.get_by_test_id("refund-status")).to_contain_text("pending")
    qa_post(live_server, "/_qa/gateway", {})
    run_due_jobs_later(live_server)
    page.reload()
    expect(page.get_by_test_id("refund-status")).to_contain_text("refunded")
    (cancelled,) = wait_for_mail(live_server, US, "cancelled")
    assert "on its way" in cancelled["text"]
    (refunded,) = wait_for_mail(live_server, US, "refund")
    assert number in refunded["subject"]
    assert kept(provider_ledger(live_server, US)) == 0
    money_adds_up(live_server)


def test_a_declined_paypal_charge_is_paid_by_approving_paypal_again(
        page: Page, staff: Page, live_server: str) -> None:
    """R-PAY-4, R-PAY-5: update-payment on a PayPal order leads to PayPal's page."""
    to_payment_step(page, "aurora-knight-figure")
    choose_paypal(page)
    page.get_by_role("button", name="Approve").click()
    checkout_until_confirm(page)
    page.get_by_test_id("confirm-order").click()
    (number,) = confirmed_order_numbers(page)
    qa_post(live_server, "/_qa/gateway", {"decline": ["charge"]})
    finalize(staff, number, soon())
    wait_for_mail(live_server, US, "payment_error")
    qa_post(live_server, "/_qa/gateway", {})
    open_my_order(page, number)
    expect(page.get_by_test_id("order-status")).to_have_text("Payment error")
    page.get_by_test_id("update-payment").click()
    expect(page.locator("[name=card_number]")).to_have_count(0)
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Shipping date confirmed")
    charges = [m for m in provider_ledger(live_server, US) if m["kind"] == "charge"]
    assert [(m["status"], m["method"]) for m in charges] == [("declined", "paypal"),
                                                             ("succeeded", "paypal")]
    money_adds_up(live_server)


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_a_card_replaced_before_the_charge_is_the_one_charged(
        page: Page, no_js_page: Page, staff: Page, live_server: str, js: bool) -> None:
    page = page if js else no_js_page
    number = place(page, "aurora-knight-figure")
    open_my_order(page, number)
    page.get_by_test_id("update-payment").click()
    form = page.get_by_test_id("update-payment-form")
    form.locator("[name=card_number]").fill(MASTERCARD)
    form.locator("[name=card_expiry]").fill("12/34")
    form.locator("[name=card_cvc]").fill("123")
    form.locator("[name=card_name]").fill("Quinn Avery")
    page.get_by_test_id("update-payment-submit").click()
    expect(page.get_by_test_id("order-detail")).to_contain_text("ending 4444")
    finalize(staff, number, soon())
    qa_post(live_server, "/_qa/run-due-jobs")
    charges = [m for m in provider_ledger(live_server, US) if m["kind"] == "charge"]
    assert [(m["order"], m["status"], m["last4"]) for m in charges] == [
        (number, "succeeded", "4444")]
    money_adds_up(live_server)


def test_staff_partial_refund(page: Page, staff: Page, live_server: str) -> None:
    number = place(page, "pocket-cat-keychain")  # 30.00 with shipping
    open_admin_order(staff, number)
    form = staff.get_by_test_id("staff-refund")
    form.locator("[name=amount]").fill("30.01")
    form.locator("[name=reason]").fill("Scratched box")
    staff.get_by_test_id("staff-refund-submit").click()
    expect(staff.locator('[data-testid="field-error"][data-field="amount"]')).to_be_visible()
    form = staff.get_by_test_id("staff-refund")
    form.locator("[name=amount]").fill("7.50")
    form.locator("[name=reason]").fill("Scratched box")
    staff.get_by_test_id("staff-refund-submit").click()
    expect(staff.get_by_test_id("refunds")).to_contain_text("succeeded")
    refunds = [m for m in provider_ledger(live_server, US) if m["kind"] == "refund"]
    assert [(m["order"], m["amount_cents"]) for m in refunds] == [(number, 750)]
    open_my_order(page, number)
    expect(page.get_by_test_id("refund-status")).to_contain_text("refunded")
    money_adds_up(live_server)
