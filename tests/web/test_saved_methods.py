"""Saved payment methods through the forms (issue 15, point 7): offered at the payment step,
the default first, expired ones never; removed on My Account by their owner only."""
from __future__ import annotations

import re
from datetime import UTC, datetime

from storefront import clock
from tests.builders import VISA, login, web_checkout_to_confirm

MASTERCARD = {"card_number": "5555 5555 5555 4444", "card_expiry": "12/39", "card_cvc": "123",
              "card_name": "Quinn Avery"}


def saved_ids(html: str, testid: str) -> list[str]:
    return re.findall(rf'data-testid="{testid}" data-method-id="(\d+)"', html)


def place_first_order(client, card=VISA, save=True):
    page = web_checkout_to_confirm(client, {"pocket-cat-keychain": 1},
                                   card=card | ({"save_card": "1"} if save else {}))
    checkout = re.search(r'name="checkout" value="([^"]*)"', page.get_data(as_text=True))
    seen = re.search(r'name="seen" value="([^"]*)"', page.get_data(as_text=True))
    done = client.post("/checkout/confirm", data={"checkout": checkout.group(1),
                                                  "seen": seen.group(1)})
    assert done.status_code == 303


def payment_step(client) -> str:
    client.post("/cart/add", data={"slug": "pocket-cat-keychain", "quantity": "1"})
    client.get("/checkout/")
    page = client.get("/checkout/shipping")
    address_id = re.search(rb'data-address-id="(\d+)"', page.data).group(1).decode()
    client.post("/checkout/shipping", data={"address_id": address_id})
    return client.get("/checkout/payment").get_data(as_text=True)


def test_the_payment_step_offers_the_consent_checkbox_issue_15(client):
    login(client)
    page = payment_step(client)
    assert 'name="save_card"' in page and "Save this card for next time" in page
    assert 'data-testid="saved-card"' not in page


def test_a_card_is_saved_only_with_consent_issue_15(client):
    login(client)
    place_first_order(client, save=False)
    assert saved_ids(payment_step(client), "saved-card") == []
    listing = client.get("/account/payment-methods/").get_data(as_text=True)
    assert 'data-testid="saved-methods"' in listing and 'data-testid="saved-method"' not in listing


def test_saved_cards_are_offered_default_first_and_pay_without_card_fields_issue_15(client):
    login(client)
    place_first_order(client, VISA)
    place_first_order(client, MASTERCARD)
    page = payment_step(client)
    offered = saved_ids(page, "saved-card")
    assert len(offered) == 2
    assert page.index("ending 4444") < page.index("ending 4242")  # the most recent first
    assert f'value="saved-{offered[0]}" checked' in page
    chosen = client.post("/checkout/payment", data={"method": f"saved-{offered[1]}"})
    assert chosen.status_code == 303 and chosen.headers["Location"].endswith("/checkout/billing")
    client.post("/checkout/billing", data={"billing": "same"})
    confirm = client.get("/checkout/confirm").get_data(as_text=True)
    assert "ending 4242" in confirm


def test_the_customer_picks_the_default_in_my_account_issue_15(client):
    login(client)
    place_first_order(client, VISA)
    place_first_order(client, MASTERCARD)
    listing = client.get("/account/payment-methods/").get_data(as_text=True)
    visa = saved_ids(listing, "saved-method")[1]
    client.post(f"/account/payment-methods/{visa}/default")
    page = payment_step(client)
    assert saved_ids(page, "saved-card")[0] == visa


def test_expired_saved_cards_are_never_offered_issue_15(client, session):
    login(client)
    place_first_order(client, VISA)  # expires 12/39
    clock.use(datetime(2040, 1, 2, tzinfo=UTC))
    try:
        page = payment_step(client)
        assert saved_ids(page, "saved-card") == []
        listing = client.get("/account/payment-methods/").get_data(as_text=True)
        [method_id] = saved_ids(listing, "saved-method")
        refused = client.post("/checkout/payment", data={"method": f"saved-{method_id}"})
        assert refused.status_code == 422
        assert "can no longer be used" in refused.get_data(as_text=True)
    finally:
        clock.use(None)


def test_removing_a_saved_card_keeps_the_orders_payment_issue_15(client):
    login(client)
    place_first_order(client, VISA)
    listing = client.get("/account/payment-methods/").get_data(as_text=True)
    [method_id] = saved_ids(listing, "saved-method")
    assert 'data-testid="remove-saved-method"' in listing
    removed = client.post(f"/account/payment-methods/{method_id}/remove")
    assert removed.status_code == 303
    after = client.get(removed.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="saved-method"' not in after and "was removed" in after
    assert saved_ids(payment_step(client), "saved-card") == []
    orders = client.get("/account/").get_data(as_text=True)
    number = re.search(r'data-order-number="([^"]+)"', orders).group(1)
    assert "ending 4242" in client.get(f"/account/orders/{number}").get_data(as_text=True)


def test_another_customer_cannot_remove_or_use_a_saved_card_issue_15(client):
    login(client)
    place_first_order(client, VISA)
    listing = client.get("/account/payment-methods/").get_data(as_text=True)
    [method_id] = saved_ids(listing, "saved-method")
    client.post("/logout")
    login(client, "qa.fr@example.com")
    assert client.post(f"/account/payment-methods/{method_id}/remove").status_code == 404
    assert client.post(f"/account/payment-methods/{method_id}/default").status_code == 404
    client.post("/logout")
    login(client)
    listing = client.get("/account/payment-methods/").get_data(as_text=True)
    assert saved_ids(listing, "saved-method") == [method_id]


def test_my_account_needs_a_login_issue_15(client):
    assert client.get("/account/payment-methods/").status_code in (302, 401)
