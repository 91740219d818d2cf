"""End-to-end test support: the live store as a fixture (on the one launcher,
tests/support/server.py), a client of the /_qa/ endpoints and page helpers for Playwright.

The tests talk to the store only through the QA contract (docs/qa.md,
/work/shared/spec/qa-contract.md): data-testid hooks, field names, visible button texts
and the /_qa/ endpoints, as an outside QA script would. tests/e2e/conftest.py holds the
fixtures; the test modules import these helpers (`from tests.support.e2e import ...`).
"""
from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.support.server import SeededStore, ServerFailed

TIMEOUT_MS = 10_000  # expect() and actions
NAVIGATION_TIMEOUT_MS = 15_000

# Demo data of the QA contract.
PASSWORD = "Qa-Passw0rd!"
US = "qa.us@example.com"
FR = "qa.fr@example.com"
NEW = "qa.new@example.com"
VISA = "4242 4242 4242 4242"
DECLINED_CARD = "4000 0000 0000 0002"
DEBIT_CARD = "4000 0566 5566 5556"
SUCCESS_TEXT = "Your order has been processed successfully. Thank you for shopping with us."
STEPS = ("shipping-step", "payment-step", "billing-step", "confirm-step")

expect.set_options(timeout=TIMEOUT_MS)


# --------------------------------------------------------------------------- live server

# The database of each running store (by its URL): the money invariant reads it after the
# tests that move money (tests/money.py); nothing drives the store through it.
STORE_DATABASES: dict[str, str] = {}


@contextmanager
def running_store(request: pytest.FixtureRequest, name: str, **settings: str) -> Iterator[str]:
    """The store in a temp folder as `make qa` / `make serve` run it (tests/support/server.py):
    migrate, seed, gunicorn with 2 workers on a fresh SQLite file; STOREFRONT_* settings
    from `settings`. Its log goes to the test output when a test failed."""
    store = SeededStore(f"e2e-{name}", **settings)
    try:
        store.__enter__()
    except ServerFailed as exc:
        pytest.fail(f"the {name} server: {exc}", pytrace=False)
    STORE_DATABASES[store.url] = store.database_url
    try:
        yield store.url
    finally:
        store.stop()
        # The server's side of any failure, for CI logs (E2E_SERVER_LOG=1: always).
        if request.session.testsfailed or os.environ.get("E2E_SERVER_LOG"):
            capture = request.config.pluginmanager.getplugin("capturemanager")
            with capture.global_and_fixture_disabled():
                print(f"\n--- {name} server log ({store.log_path}) ---\n"
                      f"{store.log_text(20_000)}", file=sys.stderr)
        store.remove()


# Straight to 127.0.0.1, whatever http_proxy the environment sets.
_HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def qa_post(base: str, path: str, body: dict | None = None) -> object:
    data = json.dumps(body or {}).encode()
    request = urllib.request.Request(base + path, data=data, method="POST",
                                     headers={"Content-Type": "application/json"})
    with _HTTP.open(request, timeout=30) as response:
        assert response.status == 200, f"POST {path} answered {response.status}"
        return json.loads(response.read() or b"null")


def mailbox(base: str, to: str) -> list[dict]:
    """GET /_qa/mailbox?to=EMAIL: delivered mail, newest first."""
    query = urllib.parse.urlencode({"to": to})
    with _HTTP.open(f"{base}/_qa/mailbox?{query}", timeout=30) as response:
        return json.loads(response.read())


def provider_ledger(base: str, to: str) -> list[dict]:
    """GET /_qa/payments?to=EMAIL: the test provider's money movements, oldest first."""
    query = urllib.parse.urlencode({"to": to})
    with _HTTP.open(f"{base}/_qa/payments?{query}", timeout=30) as response:
        return json.loads(response.read())


def wait_for_mail(base: str, to: str, kind: str, count: int = 1,
                  timeout: float = 10.0) -> list[dict]:
    """The delivered mails of a kind once at least `count` arrived (delivery is async)."""
    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in mailbox(base, to) if m["kind"] == kind]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


# --------------------------------------------------------------------------- browser


def with_timeouts(context: BrowserContext) -> BrowserContext:
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    return context


# --------------------------------------------------------------------------- helpers

def cart_count(page: Page) -> int:
    return int(page.get_by_test_id("cart-count").inner_text().strip())


def login(page: Page, email: str, password: str = PASSWORD) -> None:
    """Log in through the header's login-link and the login-form."""
    if not page.url.startswith("http"):
        page.goto("/")
    page.get_by_test_id("login-link").click()
    form = page.get_by_test_id("login-form")
    form.locator("[name=email]").fill(email)
    form.locator("[name=password]").fill(password)
    form.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("account-link")).to_be_visible()


def add_to_cart(page: Page, slug: str) -> None:
    """Product page -> "Preorder Now" or "Add to Cart"; the header's cart-count follows."""
    page.goto(f"/products/{slug}")
    expect(page.get_by_test_id("product-title")).to_be_visible()
    before = cart_count(page)
    buy = page.get_by_test_id("preorder-button").or_(page.get_by_test_id("add-to-cart-button"))
    expect(buy).to_have_count(1)
    buy.click()
    expect(page.get_by_test_id("cart-count")).to_have_text(str(before + 1))


def open_cart_and_proceed(page: Page) -> None:
    page.get_by_test_id("cart-link").click()
    expect(page.get_by_test_id("cart-line").first).to_be_visible()
    page.get_by_test_id("proceed-to-purchase").click()


def _visible_step(page: Page) -> str:
    any_step = page.get_by_test_id(STEPS[0])
    for name in STEPS[1:]:
        any_step = any_step.or_(page.get_by_test_id(name))
    expect(any_step.first).to_be_visible()
    for name in STEPS:
        if page.get_by_test_id(name).is_visible():
            return name
    raise AssertionError(f"no checkout step visible at {page.url}")


def fill_shipping(page: Page) -> None:
    step = page.get_by_test_id("shipping-step")
    step.get_by_test_id("saved-address").first.click()


def fill_payment(page: Page, card: str = VISA) -> None:
    step = page.get_by_test_id("payment-step")
    step.get_by_test_id("payment-method-card").click()
    step.locator("[name=card_number]").fill(card)
    step.locator("[name=card_expiry]").fill("12/34")
    step.locator("[name=card_cvc]").fill("123")
    step.locator("[name=card_name]").fill("QA Tester")


def fill_billing(page: Page) -> None:
    page.get_by_test_id("billing-step").get_by_test_id("billing-same-as-shipping").click()


def click_continue(page: Page, step: str) -> None:
    page.get_by_test_id(step).get_by_test_id("checkout-continue").filter(visible=True).click()


def checkout_until_confirm(page: Page, card: str = VISA, stop_at: str = "") -> None:
    """Click checkout-continue, step after step, until confirm-order is visible (or until
    the step `stop_at` shows, for tests of one step)."""
    fillers = {"shipping-step": fill_shipping, "payment-step": lambda p: fill_payment(p, card),
               "billing-step": fill_billing}
    for _ in range(len(STEPS) + 2):
        step = _visible_step(page)
        if step == stop_at:
            return
        if step == "confirm-step":
            expect(page.get_by_test_id("confirm-order")).to_be_visible()
            return
        fillers[step](page)
        click_continue(page, step)
        # On to another step, or the same step again with the reason it was refused.
        others = [page.get_by_test_id(s) for s in STEPS if s != step]
        moved = others[0]
        for other in others[1:]:
            moved = moved.or_(other)
        expect(moved.or_(page.get_by_test_id("field-error")).first).to_be_visible()
        errors = page.get_by_test_id("field-error")
        if errors.count():
            raise AssertionError(f"{step} refused at {page.url}: {errors.all_inner_texts()}")
    raise AssertionError(f"confirm-order never became visible (last page {page.url})")


def buy(page: Page, email: str, slugs: list[str], card: str = VISA) -> None:
    """Log in, put each product in the cart, proceed and go through every step to confirm."""
    login(page, email)
    for slug in slugs:
        add_to_cart(page, slug)
    open_cart_and_proceed(page)
    checkout_until_confirm(page, card)


def confirmed_order_numbers(page: Page) -> list[str]:
    success = page.get_by_test_id("order-success")
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    # "being processed" while a charge is still running: the customer reloads.
    while not success.is_visible() and time.monotonic() < deadline:
        page.wait_for_timeout(300)
        if not success.is_visible() and "/checkout/done/" in page.url:
            page.reload()
    expect(success).to_have_text(SUCCESS_TEXT)
    numbers = [n.strip() for n in page.get_by_test_id("order-number").all_inner_texts()]
    assert all(numbers), f"an empty order-number on {page.url}"
    return numbers


def order_row(page: Page, number: str):
    """The My Account order-row of one order number."""
    return page.locator(f'[data-testid="order-row"][data-order-number="{number}"]')


def expect_in_my_account(page: Page, number: str, status: str) -> None:
    """My Account (account-link) lists the order, with the status the customer reads."""
    page.get_by_test_id("account-link").click()
    expect(page.get_by_test_id("order-history")).to_be_visible()
    row = order_row(page, number)
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("order-status")).to_have_text(status)


def expect_confirmation_mail(base: str, to: str, numbers: list[str]) -> None:
    """One order_confirmation email to the registered address names every order number."""
    mails = wait_for_mail(base, to, "order_confirmation")
    assert len(mails) == 1, f"order_confirmation emails to {to}: {mails}"
    body = f"{mails[0]['subject']}\n{mails[0]['text']}"
    for number in numbers:
        assert number in body, f"order {number} not named in the email:\n{body}"
