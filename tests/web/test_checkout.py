"""The checkout through its forms, with and without htmx (R-CHK-*, R-ACC-1)."""
from __future__ import annotations

import re

from tests.builders import VISA, hidden, login, web_checkout_to_confirm

HX = {"HX-Request": "true", "HX-Target": "main#main"}  # as htmx 4 names its target: tag#id


def confirm_form(page) -> dict[str, str]:
    return {"checkout": hidden(page.data, "checkout"), "seen": hidden(page.data, "seen")}


def test_proceeding_to_purchase_asks_a_visitor_to_log_in_and_comes_back_R_ACC_1(client):
    """R-ACC-1, no redirect chain: the login page at once, then straight to the first step."""
    client.post("/cart/add", data={"slug": "aurora-knight-figure", "quantity": "1"})
    response = client.get("/checkout/")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-testid="login-form"' in text
    assert 'action="/login?next=/checkout/"' in text
    back = client.post("/login?next=/checkout/",
                       data={"email": "qa.us@example.com", "password": "Qa-Passw0rd!"})
    assert back.status_code == 303 and back.headers["Location"] == "/checkout/"
    step = client.get("/checkout/")  # the first step to do, rendered at once
    assert step.status_code == 200 and b'data-testid="shipping-step"' in step.data
    cart = client.get("/cart/").get_data(as_text=True)
    assert 'data-slug="aurora-knight-figure"' in cart


def test_the_whole_checkout_without_javascript_ends_with_the_exact_message_R_CHK_1(client):
    login(client)
    page = web_checkout_to_confirm(client, {"aurora-knight-figure": 1})
    assert page.status_code == 200
    done = client.post("/checkout/confirm", data=confirm_form(page), follow_redirects=True)
    text = done.get_data(as_text=True)
    assert ('data-testid="order-success">Your order has been processed successfully. '
            'Thank you for shopping with us.<') in text
    number = re.search(r'data-testid="order-number"[^>]*>([A-Z0-9-]+)<', text).group(1)
    history = client.get("/account/").get_data(as_text=True)
    assert f'data-order-number="{number}"' in history
    assert 'data-testid="order-status">Incomplete<' in history


def test_the_confirm_page_shows_each_order_its_fee_total_and_notices_R_CHK_3_R_NTC_1(client):
    login(client)
    page = web_checkout_to_confirm(client, {"aurora-knight-figure": 1,
                                            "moonlit-dancer-figure": 1,
                                            "pocket-cat-keychain": 2}).get_data(as_text=True)
    assert page.count('data-testid="order-preview"') == 3
    assert page.count('data-testid="shipping-fee">$18.00<') == 3
    assert 'data-testid="order-total">$207.99<' in page  # 189.99 + 18.00
    assert 'data-testid="customs-notice"' in page and "guardian" in page
    assert 'href="/terms#minors"' in page and 'href="/guide/cancellations"' in page
    assert 'data-testid="confirm-order">Confirm Order<' in page


def test_replaying_confirm_order_lands_on_the_same_orders_R_CHK_2(client):
    login(client)
    form = confirm_form(web_checkout_to_confirm(client, {"pocket-cat-keychain": 1}))
    first = client.post("/checkout/confirm", data=form)
    second = client.post("/checkout/confirm", data=form)
    assert first.headers["Location"] == second.headers["Location"]
    assert client.get("/account/").get_data(as_text=True).count('data-testid="order-row"') == 1


def test_steps_answer_htmx_with_the_next_steps_fragment_in_one_round_trip(client):
    """A successful htmx post answers with the next step itself, its title and URL."""
    login(client)
    client.post("/cart/add", data={"slug": "pocket-cat-keychain", "quantity": "1"})
    client.get("/checkout/")
    step = client.get("/checkout/payment", headers=HX)
    assert b"<html" not in step.data and b'data-testid="payment-step"' in step.data
    moved = client.post("/checkout/payment", data=VISA, headers=HX)
    text = moved.get_data(as_text=True)
    assert moved.status_code == 200 and "HX-Location" not in moved.headers
    assert moved.headers["HX-Push-Url"] == "/checkout/billing"
    assert text.startswith("<title>Billing address") and 'data-testid="billing-step"' in text
    assert "<html" not in text and "Step 3 of 4: Billing address" in text


def test_a_target_named_by_its_id_alone_and_a_history_restore_are_answered_too(client):
    """QA scripts (and htmx 2) send the bare id; htmx 4's back button asks for the page."""
    login(client)
    client.post("/cart/add", data={"slug": "pocket-cat-keychain", "quantity": "1"})
    client.get("/checkout/")
    tagged = client.get("/checkout/payment", headers=HX).data
    bare = client.get("/checkout/payment", headers=HX | {"HX-Target": "main"}).data
    for answer in (tagged, bare):
        assert answer.startswith(b"<title>Payment") and b"<html" not in answer
        assert b'data-testid="payment-step"' in answer
    restored = client.get("/checkout/payment",
                          headers=HX | {"HX-History-Restore-Request": "true"}).data
    assert restored.startswith(b"<!doctype html>") and b'data-testid="payment-step"' in restored
    unnamed = client.get("/checkout/payment", headers=HX | {"HX-Target": "div"}).data
    assert unnamed.startswith(b"<!doctype html>")  # no block by that name: the whole page


def test_signing_in_with_htmx_from_the_checkout_answers_with_the_first_step(client):
    """R-ACC-1: Proceed to purchase -> login page -> the shipping step, one answer each."""
    client.post("/cart/add", data={"slug": "aurora-knight-figure", "quantity": "1"})
    asked = client.get("/checkout/", headers=HX)
    assert b'data-testid="login-form"' in asked.data
    assert asked.headers["HX-Push-Url"] == "/login?next=/checkout/"
    signed = client.post("/login?next=/checkout/", headers=HX,
                         data={"email": "qa.us@example.com", "password": "Qa-Passw0rd!"})
    text = signed.get_data(as_text=True)
    assert signed.status_code == 200 and 'data-testid="shipping-step"' in text
    assert signed.headers["HX-Push-Url"] == "/checkout/shipping"
    assert 'data-testid="account-link"' in text and 'hx-swap-oob="true"' in text  # header
    assert client.post("/checkout/shipping", headers=HX, data={
        "address_id": re.search(r'name="address_id" value="(\d+)"', text).group(1),
        "csrf_token": ""}).headers["HX-Push-Url"] == "/checkout/payment"


def test_confirm_order_with_htmx_answers_with_the_confirmation_R_CHK_1(client):
    login(client)
    page = web_checkout_to_confirm(client, {"aurora-knight-figure": 1})
    done = client.post("/checkout/confirm", data=confirm_form(page), headers=HX)
    text = done.get_data(as_text=True)
    assert done.status_code == 200 and "/checkout/done/" in done.headers["HX-Push-Url"]
    assert 'data-testid="order-success"' in text and text.count("<h1") == 1
    assert 'id="cart-count" data-testid="cart-count" hx-swap-oob="true">0<' in text


def test_bad_card_input_is_shown_by_field_and_the_number_is_never_echoed_R_CHK_5(client):
    login(client)
    client.post("/cart/add", data={"slug": "pocket-cat-keychain", "quantity": "1"})
    client.get("/checkout/")
    response = client.post("/checkout/payment", data={"card_number": "4242 4242 4242 4241",
                                                      "card_expiry": "13/99", "card_cvc": "1",
                                                      "card_name": "Quinn"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for field in ("card_number", "card_expiry", "card_cvc"):
        assert f'data-field="{field}"' in page
    assert "4242 4242 4242 4241" not in page and 'value="Quinn"' in page


def test_a_new_shipping_address_outside_the_region_is_refused_R_ACC_5(client):
    login(client)
    client.post("/cart/add", data={"slug": "pocket-cat-keychain", "quantity": "1"})
    client.get("/checkout/")
    response = client.post("/checkout/shipping", data={
        "full_name": "Sam", "line1": "1 rue", "city": "Paris", "postal_code": "75001",
        "country": "FR"})
    assert response.status_code == 422 and b'data-field="country"' in response.data
    assert b'value="1 rue"' in response.data


def test_a_new_address_missing_its_postal_code_names_the_field(client):
    login(client)
    client.post("/cart/add", data={"slug": "pocket-cat-keychain", "quantity": "1"})
    client.get("/checkout/")
    response = client.post("/checkout/shipping", data={
        "full_name": "Sam Lee", "line1": "1 Main Street", "city": "Springfield", "state": "IL",
        "country": "US"})
    assert response.status_code == 422 and b'data-field="postal_code"' in response.data


def test_an_empty_cart_cannot_check_out(client):
    login(client)
    response = client.get("/checkout/", follow_redirects=True)
    assert b'data-code="cart_empty"' in response.data


def test_another_customers_checkout_result_is_404(client, app):
    login(client)
    form = confirm_form(web_checkout_to_confirm(client, {"pocket-cat-keychain": 1}))
    done_url = client.post("/checkout/confirm", data=form).headers["Location"]
    client.post("/logout")
    login(client, "qa.fr@example.com")
    assert client.get(done_url).status_code == 404
    assert client.post("/checkout/confirm", data=form).status_code == 404


def test_another_billing_address_is_asked_only_when_chosen(client):
    login(client)
    client.post("/cart/add", data={"slug": "pocket-cat-keychain", "quantity": "1"})
    client.get("/checkout/")
    page = client.get("/checkout/shipping")
    address_id = re.search(rb'data-address-id="(\d+)"', page.data).group(1).decode()
    client.post("/checkout/shipping", data={"address_id": address_id})
    client.post("/checkout/payment", data=VISA)
    assert b'name="line1"' not in client.get("/checkout/billing").data
    chosen = client.post("/checkout/billing", data={"billing": "other"})
    assert chosen.headers["Location"] == "/checkout/billing?other=1"
    assert b'name="line1"' in client.get(chosen.headers["Location"]).data
    saved = client.post("/checkout/billing", data={
        "billing": "other", "full_name": "Ana Ruiz", "line1": "Unter den Linden 1",
        "city": "Berlin", "postal_code": "10117", "country": "DE", "state": ""})
    assert saved.headers["Location"] == "/checkout/confirm"
    assert b"Unter den Linden 1" in client.get("/checkout/confirm").data
