"""Coupons through the confirm page and the staff page (R-CHK-7)."""
from __future__ import annotations

from storefront.cli_staff import staff
from tests.builders import hidden, login, web_checkout_to_confirm


def test_a_coupon_applied_on_the_confirm_page_shows_on_its_order_R_CHK_7(client):
    login(client)
    web_checkout_to_confirm(client, {"aurora-knight-figure": 1, "pocket-cat-keychain": 1})
    applied = client.post("/checkout/coupon", data={"coupon_code": "welcome10"},
                          follow_redirects=True).get_data(as_text=True)
    assert 'data-testid="order-discount">−$19.00<' in applied
    assert 'data-testid="order-total">$188.99<' in applied  # 189.99 + 18.00 - 19.00
    assert applied.count('data-testid="order-discount"') == 1
    confirm = client.get("/checkout/confirm")
    done = client.post("/checkout/confirm", data={"checkout": hidden(confirm.data, "checkout"),
                                                  "seen": hidden(confirm.data, "seen")},
                       follow_redirects=True)
    assert b"Your order has been processed successfully" in done.data


def test_a_refused_coupon_keeps_the_code_and_says_why_R_CHK_7(client):
    login(client)
    web_checkout_to_confirm(client, {"pocket-cat-keychain": 1})
    response = client.post("/checkout/coupon", data={"coupon_code": "EXPIRED5"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'data-field="coupon_code"' in page and "has expired" in page
    assert 'value="EXPIRED5"' in page


def test_a_cart_changed_by_a_coupon_after_review_needs_a_new_review(client):
    login(client)
    confirm = web_checkout_to_confirm(client, {"pocket-cat-keychain": 2})
    form = {"checkout": hidden(confirm.data, "checkout"), "seen": hidden(confirm.data, "seen")}
    client.post("/checkout/coupon", data={"coupon_code": "FIVEOFF"})
    refused = client.post("/checkout/confirm", data=form, follow_redirects=True)
    assert b'data-code="cart_changed"' in refused.data


def test_staff_create_and_disable_coupons(client, app):
    login(client, "staff@example.com", "Staff-Passw0rd!")
    bad = client.post("/admin/coupons/", data={"code": "?", "kind": "percent", "value": "0"})
    assert bad.status_code == 422 and b'data-field="code"' in bad.data
    made = client.post("/admin/coupons/", data={"code": "summer20", "kind": "percent",
                                               "value": "20", "once": "1"},
                       follow_redirects=True)
    assert b'data-code="SUMMER20"' in made.data
    client.post("/admin/coupons/SUMMER20/active", data={"active": "0"})
    assert b'data-testid="enable-coupon"' in client.get("/admin/coupons/").data
    runner = app.test_cli_runner(env={"STOREFRONT_STAFF_EMAIL": "staff@example.com"})
    result = runner.invoke(staff, ["coupon-create", "CLI5", "--amount", "5.00"])
    assert result.exit_code == 0 and "CLI5 created" in result.output
    assert runner.invoke(staff, ["coupon-disable", "NOPE"]).exit_code == 1


def test_customers_cannot_reach_the_coupon_page(client):
    login(client)
    assert client.get("/admin/coupons/").status_code == 404
