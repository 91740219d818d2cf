"""Every page and state a customer or staff member reaches, audited by axe-core (WCAG 2.2
A and AA) in Chromium with JavaScript on and off, at 320 px and at 1280 px, refused forms
included; at 320 px no page scrolls sideways; after each htmx swap focus and <title> are
where a keyboard or screen-reader user needs them (issue 13)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.checks.checkers import AXE, need
from tests.support.e2e import PASSWORD, US, click_continue, fill_payment, with_timeouts

pytestmark = pytest.mark.e2e

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
STAFF = ("staff@example.com", "Staff-Passw0rd!")
MODES = [(js, width) for js in (True, False) for width in (320, 1280)]


class Auditor:
    """axe-core on the page as it is now; every problem is kept, the test fails at the end."""

    def __init__(self, page: Page, js: bool, width: int, twin: Page | None = None) -> None:
        self.page, self.js, self.width, self.twin = page, js, width, twin
        self.source = need(AXE).read_text()
        self.problems: list[str] = []
        self.states = 0

    def __call__(self, state: str) -> None:
        page = self.page
        page.wait_for_load_state()
        found = self.axe(self.served() if self.twin else page)
        self.problems += [f"{state} ({page.url}): {v}" for v in found]
        if self.width <= 320:
            wide = page.evaluate("() => document.documentElement.scrollWidth")
            if wide > self.width:
                self.problems.append(f"{state} ({page.url}): {wide} px wide at {self.width}")
        if not re.search(r".{3,} · Storefront$", page.title()):
            self.problems.append(f"{state} ({page.url}): title {page.title()!r}")
        self.states += 1

    def served(self) -> Page:
        """axe needs timers, which a page without JavaScript never runs: the twin page (same
        viewport, JavaScript on) shows the very HTML this page got, its scripts taken out."""
        assert self.twin is not None
        html = re.sub(r"<script\b[^>]*\bsrc=[^>]*></script>", "", self.page.content())
        url = self.page.url
        self.twin.route(url, lambda route: route.fulfill(body=html, content_type="text/html"))
        self.twin.goto(url)
        self.twin.unroute(url)
        return self.twin

    def axe(self, page: Page) -> list[str]:
        if not page.evaluate("() => !!window.axe"):
            page.evaluate("(src) => (0, eval)(src)", self.source)
        return page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: "
                             "tags}}).then(r => r.violations.map(v => v.id + ': ' + "
                             "v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')))",
                             TAGS)

    def swapped(self, state: str, title: str, focus: str = "h1") -> None:
        """The state after a step is audited; with JavaScript, after an htmx swap, the title
        also names the new page and focus is on its h1 (or on a refused form's summary)."""
        if self.js:
            expect(self.page).to_have_title(re.compile(re.escape(title)))
            selector = "#main h1" if focus == "h1" else "[data-testid=form-errors]"
            expect(self.page.locator(selector)).to_be_focused()
        self(state)


@pytest.fixture(params=MODES, ids=[f"{'js' if j else 'nojs'}-{w}" for j, w in MODES])
def audit(request, new_context) -> Auditor:
    js, width = request.param
    viewport = {"width": width, "height": 800}
    context = with_timeouts(new_context(java_script_enabled=js, bypass_csp=True,
                                         viewport=viewport))
    twin = None if js else with_timeouts(new_context(bypass_csp=True, viewport=viewport))
    return Auditor(context.new_page(), js, width, twin.new_page() if twin else None)


def report(audit: Auditor, least: int) -> None:
    print(f"axe ({'js' if audit.js else 'nojs'}, {audit.width} px): {audit.states} states, "
          f"{len(audit.problems)} problems")
    assert audit.states >= least and not audit.problems, "\n".join(audit.problems)


def skip_browser_checks(page: Page) -> None:
    """Send a form as it is, so the server's refusal shows (the browser would stop at the
    first empty required field)."""
    page.locator("form").evaluate_all("forms => forms.forEach(f => f.noValidate = true)")


def sign_in(page: Page, email: str, password: str) -> None:
    form = page.get_by_test_id("login-form")
    form.locator("[name=email]").fill(email)
    form.locator("[name=password]").fill(password)
    form.get_by_test_id("login-submit").click()


def test_a_customers_whole_visit_meets_wcag_2_2_aa(audit: Auditor) -> None:
    """Catalogue, products, cart, login, every checkout step and its refusals, the
    confirmation, My Account, the guide and the forms of a visitor."""
    page = audit.page
    page.goto("/")
    audit("catalogue")
    page.goto("/products/closed-window-figure")
    audit("closed preorder")
    page.goto("/products/aurora-knight-figure")
    audit("product page")
    page.get_by_test_id("preorder-button").click()
    expect(page.get_by_test_id("cart-count")).to_have_text("1")
    if audit.js:
        expect(page.locator("#announce")).to_have_text("Added to cart")
    audit("added to cart")
    page.get_by_test_id("cart-link").click()  # with htmx: the cart swapped into #main
    expect(page.get_by_test_id("proceed-to-purchase")).to_be_visible()
    audit.swapped("cart", "Your cart")
    page.get_by_test_id("line-quantity").fill("2")
    page.get_by_test_id("line-quantity").press("Enter")
    expect(page.get_by_test_id("cart-count")).to_have_text("2")
    if audit.js:  # the quantity field keeps focus through the swap
        expect(page.locator("#announce")).to_have_text("Cart updated")
        expect(page.get_by_test_id("line-quantity")).to_be_focused()
    audit("cart, quantity changed")
    page.get_by_test_id("proceed-to-purchase").click()
    expect(page.get_by_test_id("login-form")).to_be_visible()
    audit.swapped("login asked", "Log in")
    sign_in(page, US, "wrong-password")
    expect(page.get_by_test_id("form-errors")).to_be_visible()
    audit.swapped("login refused", "Log in", focus="errors")
    sign_in(page, US, PASSWORD)
    expect(page.get_by_test_id("shipping-step")).to_be_visible()
    expect(page.get_by_test_id("account-link")).to_be_visible()
    audit.swapped("shipping step", "Shipping address")
    page.get_by_test_id("new-address").click()
    page.locator("details [name=full_name]").fill("Sam Lee")
    page.locator("details [name=line1]").fill("1 Main Street")
    page.get_by_test_id("address-save").click()  # no city, no postal code
    expect(page.get_by_test_id("form-errors")).to_be_visible()
    audit.swapped("shipping refused", "Shipping address", focus="errors")
    page.get_by_test_id("saved-address").first.click()
    click_continue(page, "shipping-step")
    expect(page.get_by_test_id("payment-step")).to_be_visible()
    audit.swapped("payment step", "Payment")
    if audit.js:
        expect(page.locator("#announce")).to_have_text("Step 2 of 4: Payment")
    fill_payment(page, "4242 4242 4242 4241")
    click_continue(page, "payment-step")
    expect(page.get_by_test_id("form-errors")).to_be_visible()
    audit.swapped("payment refused", "Payment", focus="errors")
    fill_payment(page)
    click_continue(page, "payment-step")
    expect(page.get_by_test_id("billing-step")).to_be_visible()
    audit.swapped("billing step", "Billing address")
    click_continue(page, "billing-step")
    expect(page.get_by_test_id("confirm-step")).to_be_visible()
    audit.swapped("confirm step", "Confirm your order")
    page.get_by_test_id("coupon-code").fill("EXPIRED5")
    page.get_by_test_id("apply-coupon").click()
    expect(page.get_by_test_id("field-error")).to_be_visible()
    audit("coupon refused")
    page.get_by_test_id("confirm-order").click()
    expect(page.get_by_test_id("order-success")).to_be_visible()
    audit.swapped("confirmation", "Order placed")
    page.get_by_test_id("account-link").click()
    audit("my account")
    page.get_by_test_id("order-row").first.locator("a").first.click()
    expect(page.get_by_test_id("order-detail")).to_be_visible()
    audit("order page")
    for path in ("/account/addresses", "/account/payment-methods/", "/releases",
                 "/?series=aurora-saga&sort=price", "/?q=no+such+figure", "/guide/how-to-order",
                 "/guide/shipping", "/terms", "/privacy", "/contact"):
        page.goto(path)
        audit(path)
    skip_browser_checks(page)
    page.get_by_test_id("contact-submit").click()  # the contact form, empty
    expect(page.get_by_test_id("form-errors")).to_be_visible()
    audit("contact refused")
    page.get_by_test_id("logout-button").click()
    page.goto("/register")
    audit("register")
    skip_browser_checks(page)
    page.get_by_test_id("register-form").get_by_test_id("register-submit").click()
    expect(page.get_by_test_id("form-errors")).to_be_visible()
    audit("register refused")
    report(audit, least=25)


def test_the_staff_pages_meet_wcag_2_2_aa(audit: Auditor) -> None:
    """Orders, an order, products, a product, coupons and an account, as staff."""
    page = audit.page
    page.goto("/login")
    sign_in(page, *STAFF)
    expect(page.get_by_test_id("account-link")).to_be_visible()
    page.goto("/admin")
    expect(page.get_by_test_id("admin-orders")).to_be_visible()
    audit("admin orders")
    page.get_by_test_id("admin-nav-products").click()
    audit("admin products")
    page.get_by_test_id("product-row").first.locator("a").first.click()
    expect(page.get_by_test_id("admin-product-form")).to_be_visible()
    audit("admin product")
    page.get_by_test_id("admin-nav-coupons").click()
    audit("admin coupons")
    for path in ("/admin/reports/preorders", "/admin/audit", "/admin/refunds"):
        page.goto(path)
        audit(path)
    report(audit, least=7)
