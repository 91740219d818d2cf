"""The back office in Chromium, through the QA contract only: the preorder report after the
orders of two customers (and its CSV), a search by customer name, short allocation (earliest
kept, the rest cancelled and emailed, a second run changes nothing), and a `staff` (not
manager) account refused a manager's action. Staff work in their own browser context."""
from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import Page, expect

from tests.support.e2e import (
    FR,
    US,
    buy,
    confirmed_order_numbers,
    login,
    mailbox,
    qa_post,
    wait_for_mail,
)

pytestmark = pytest.mark.e2e
STAFF, CLERK, STAFF_PASSWORD = "staff@example.com", "clerk@example.com", "Staff-Passw0rd!"
SLUG = "aurora-knight-figure"


def place(page: Page, email: str, slug: str = SLUG) -> str:
    """One order of one unit, by a customer in a fresh browser context."""
    buy(page, email, [slug])
    page.get_by_test_id("confirm-order").click()
    (number,) = confirmed_order_numbers(page)
    return number


def staff_page(new_context, email: str = STAFF, js: bool = True) -> Page:
    page = new_context(java_script_enabled=js).new_page()
    page.set_default_timeout(10_000)
    page.goto("/")
    login(page, email, STAFF_PASSWORD)
    return page


def report_cells(staff: Page, slug: str) -> dict[str, int]:
    row = staff.locator(f'[data-testid="report-row"][data-slug="{slug}"]')
    names = ("units-ordered", "units-incomplete", "units-charged", "units-failed",
             "units-cancelled", "orders")
    return {name: int(row.get_by_test_id(name).inner_text()) for name in names}


def test_report_counts_match_the_orders_of_two_customers_and_the_csv(new_context):
    place(new_context().new_page(), US)
    place(new_context().new_page(), US, "moonlit-dancer-figure")
    fr = new_context(java_script_enabled=False).new_page()
    place(fr, FR)
    staff = staff_page(new_context, js=False)
    staff.goto("/admin")
    staff.get_by_test_id("admin-nav-reports").click()
    expect(staff.get_by_test_id("preorder-report")).to_be_visible()
    aurora = report_cells(staff, SLUG)
    assert aurora == {"units-ordered": 2, "units-incomplete": 2, "units-charged": 0,
                      "units-failed": 0, "units-cancelled": 0, "orders": 2}
    assert report_cells(staff, "moonlit-dancer-figure")["orders"] == 1
    assert report_cells(staff, "grand-castle-diorama")["orders"] == 0
    href = staff.get_by_test_id("report-csv").get_attribute("href")
    response = staff.request.get(href)
    assert response.ok and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text())))
    for row in rows:
        cells = report_cells(staff, row["slug"])
        assert [int(row[k.replace("-", "_")]) for k in cells] == list(cells.values()), row


def test_search_finds_an_order_by_customer_name_and_exports_it(new_context):
    fr_number = place(new_context().new_page(), FR)
    us_number = place(new_context().new_page(), US)
    for js in (True, False):
        staff = staff_page(new_context, js=js)
        staff.goto("/admin")
        staff.get_by_test_id("admin-nav-orders").click()
        search = staff.get_by_test_id("order-search")
        search.locator("[name=q]").fill("Camille Martin")  # qa.fr's name on her address
        search.get_by_test_id("order-search-submit").click()
        rows = staff.get_by_test_id("order-row")
        expect(rows).to_have_count(1)
        expect(rows.first).to_have_attribute("data-order-number", fr_number)
        csv_text = staff.request.get(staff.get_by_test_id("orders-csv").get_attribute("href"))
        lines = list(csv.reader(io.StringIO(csv_text.text())))
        assert lines[0] == ["number", "placed_at", "email", "status", "payment_status",
                            "total"]
        assert [line[0] for line in lines[1:]] == [fr_number] and us_number not in csv_text.text()


def test_short_allocation_keeps_the_earliest_cancels_and_emails_the_rest_once(new_context):
    first = place(new_context().new_page(), US)
    second = place(new_context().new_page(), FR)
    staff = staff_page(new_context, js=False)

    def allocate(units: int) -> None:
        staff.goto("/admin")
        staff.get_by_test_id("admin-nav-products").click()
        staff.locator(f'[data-testid="product-row"][data-slug="{SLUG}"]').get_by_role(
            "link").first.click()
        form = staff.get_by_test_id("allocate-stock")
        form.locator("[name=units]").fill(str(units))
        form.get_by_test_id("allocate-stock-submit").click()
        expect(staff.get_by_test_id("allocation-preview")).to_be_visible()

    allocate(1)
    keep = staff.get_by_test_id("allocation-keep")
    cancel = staff.get_by_test_id("allocation-cancel")
    expect(keep).to_have_count(1)
    expect(keep).to_have_attribute("data-order-number", first)
    expect(cancel).to_have_count(1)
    expect(cancel).to_have_attribute("data-order-number", second)
    staff.get_by_test_id("allocation-confirm").click()
    expect(staff.locator('[data-testid="flash"][data-level="success"]')).to_be_visible()
    qa_post(staff.url.split("/admin")[0], "/_qa/run-due-jobs")
    base = staff.url.split("/admin")[0]
    cancelled = wait_for_mail(base, FR, "cancelled")
    assert len(cancelled) == 1 and second in cancelled[0]["subject"] + cancelled[0]["text"]
    assert [m for m in mailbox(base, US) if m["kind"] == "cancelled"] == []
    # The second run changes nothing: nobody left to cancel, no new email.
    allocate(1)
    expect(staff.get_by_test_id("allocation-cancel")).to_have_count(0)
    expect(staff.get_by_test_id("allocation-keep")).to_have_attribute("data-order-number",
                                                                       first)
    staff.get_by_test_id("allocation-confirm").click()
    expect(staff.locator('[data-testid="flash"][data-level="success"]')).to_be_visible()
    qa_post(base, "/_qa/run-due-jobs")
    assert len([m for m in mailbox(base, FR) if m["kind"] == "cancelled"]) == 1
    customer = new_context().new_page()
    login(customer, FR)
    customer.goto(f"/account/orders/{second}")
    expect(customer.get_by_test_id("order-emails").get_by_test_id("order-email")).to_have_count(
        2)  # the confirmation and the cancellation


def test_a_staff_user_is_refused_a_manager_action(new_context):
    """The refund form may belong to the payments issue; allocation and product edits are
    manager actions on every branch."""
    clerk = staff_page(new_context, CLERK)
    clerk.goto(f"/admin/products/{SLUG}")
    expect(clerk.get_by_test_id("manager-only")).to_be_visible()  # the form is not offered
    expect(clerk.get_by_test_id("allocate-stock")).to_have_count(0)
    # A script posting it anyway, with a valid CSRF token, is refused and nothing changes.
    token = clerk.locator("input[name=csrf_token]").first.get_attribute("value")
    refused = clerk.request.post(f"/admin/products/{SLUG}/allocation/confirm",
                                 form={"csrf_token": token, "units": "0", "cancel": ""})
    assert refused.status == 403
    assert clerk.request.get("/admin/coupons/").status == 403
    clerk.goto("/admin/reports/preorders")  # what staff may do still works
    expect(clerk.get_by_test_id("preorder-report")).to_be_visible()


def test_a_staff_user_ships_but_is_refused_the_refund_of_a_return(new_context):
    """Marking a parcel returned undelivered cancels and refunds it (R-RET-4): a manager's
    action. The payments issue's `staff-refund` form is refused the same way."""
    number = place(new_context().new_page(), US, "pocket-cat-keychain")  # paid at once
    clerk = staff_page(new_context, CLERK, js=False)
    clerk.goto("/admin")
    clerk.locator(f'[data-testid="order-row"][data-order-number="{number}"]').get_by_role(
        "link").first.click()
    shipped = clerk.get_by_test_id("mark-shipped")
    shipped.locator("[name=carrier]").fill("UPS")
    shipped.locator("[name=tracking_number]").fill("1Z999AA10123456784")
    shipped.get_by_test_id("mark-shipped-submit").click()
    expect(clerk.locator('[data-testid="flash"][data-level="success"]')).to_be_visible()
    clerk.get_by_test_id("mark-returned-submit").click()
    expect(clerk.get_by_role("heading", name="Not allowed")).to_be_visible()
    manager = staff_page(new_context)
    manager.goto(f"/admin/orders/{number}")
    expect(manager.get_by_test_id("mark-returned")).to_be_visible()  # still shipped
    assert [m for m in mailbox(manager.url.split("/admin")[0], US)
            if m["kind"] in ("refund", "cancelled")] == []
