"""My Account order actions: change address, Update Payment, cancel, exchange (QA contract)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from storefront import clock, create_app
from storefront.models import Email, Order
from storefront.services import fulfilment
from tests.builders import VISA, confirm, hidden, login, ready_checkout, user
from tests.support.app import settings

FAILS_LATER = VISA | {"card_number": "4000 0000 0000 0341"}
NEW_ADDRESS = {"full_name": "Robin Park", "line1": "9 Elm Road", "line2": "", "city": "Boston",
               "state": "MA", "postal_code": "02108", "country": "US", "phone": ""}


def place(session, items, card=None, email="qa.us@example.com") -> str:
    """An order placed through the services; returns its number."""
    me = user(session, email)
    checkout, seen = ready_checkout(session, me, items, card)
    return confirm(session, me, checkout, seen).orders[0].number


def order_of(session, number) -> Order:
    session.expire_all()
    return session.scalars(select(Order).where(Order.number == number)).one()


def finalize(session, number) -> None:
    fulfilment.finalize_shipping_date(session, [order_of(session, number)],
                                      clock.today() + timedelta(days=30), actor="staff:test")


def ship(session, number) -> None:
    fulfilment.mark_shipped(session, order_of(session, number), "UPS", "1Z999AA1",
                            actor="staff:test")


def show(client, number) -> str:
    return client.get(f"/account/orders/{number}").get_data(as_text=True)


def test_an_in_stock_order_shows_its_expected_ship_date_and_why_it_cannot_cancel_R_SHP_1(
        client, session):
    number = place(session, {"pocket-cat-keychain": 1})
    expected = fulfilment.expected_ship_date(order_of(session, number))
    login(client)
    page = show(client, number)
    assert 'data-testid="expected-ship-date"' in page
    assert expected.strftime("%B %-d, %Y") in page
    assert 'data-testid="cancel-order"' not in page and "In-stock orders cannot" in page
    assert 'href="/guide/cancellations"' in page and 'data-testid="request-exchange"' not in page


def test_a_preorder_shows_its_confirmed_date_and_then_locks_the_address_R_SHP_1_R_SHP_4(
        client, session):
    number = place(session, {"aurora-knight-figure": 1})
    login(client)
    page = show(client, number)
    assert "not confirmed yet" in page and 'data-testid="change-address"' in page
    assert 'data-testid="cancel-order"' in page
    finalize(session, number)
    page = show(client, number)
    day = (clock.today() + timedelta(days=30)).strftime("%B %-d, %Y")
    assert re.search(rf'data-testid="shipping-date">{day}<', page)
    assert 'data-testid="change-address"' not in page and "can no longer be changed" in page
    assert 'data-testid="cancel-order"' not in page
    refused = client.post(f"/account/orders/{number}/address", data=NEW_ADDRESS)
    assert refused.status_code == 422 and 'data-level="error"' in refused.get_data(as_text=True)
    assert order_of(session, number).shipping_address["line1"] != "9 Elm Road"


def test_the_customer_ships_an_order_to_a_new_then_a_saved_address_R_SHP_4(client, session):
    number = place(session, {"aurora-knight-figure": 1})
    login(client)
    moved = client.post(f"/account/orders/{number}/address", data=NEW_ADDRESS)
    assert moved.status_code == 303 and moved.location.endswith(f"/account/orders/{number}")
    page = show(client, number)
    assert "9 Elm Road" in page and 'data-level="success"' in page
    assert "Shipping address changed by the customer." in page
    saved = re.search(r'data-testid="saved-address" data-address-id="(\d+)"', page).group(1)
    back = client.post(f"/account/orders/{number}/address", data={"address_id": saved})
    assert back.status_code == 303
    assert "350 Fifth Avenue" in order_of(session, number).shipping_address["line1"]


def test_a_bad_new_address_comes_back_with_field_errors_R_SHP_4(client, session):
    number = place(session, {"aurora-knight-figure": 1})
    login(client)
    bad = client.post(f"/account/orders/{number}/address",
                      data=NEW_ADDRESS | {"full_name": "", "line1": "9 Elm Road"})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'data-field="full_name"' in page
    assert 'value="9 Elm Road"' in page and "<details class=\"change-address\" open>" in page


def test_a_failed_charge_shows_the_deadline_and_update_payment_R_PAY_4(client, session):
    number = place(session, {"aurora-knight-figure": 1}, FAILS_LATER)
    finalize(session, number)
    login(client)
    page = show(client, number)
    assert 'data-testid="update-payment"' in page and 'data-testid="payment-deadline"' in page
    due = clock.aware(order_of(session, number).payment_due_by)
    assert due.strftime("%B %-d, %Y") in page
    form = client.get(f"/account/orders/{number}/payment").get_data(as_text=True)
    assert 'data-testid="update-payment-form"' in form
    assert 'data-testid="update-payment-submit"' in form


def test_update_payment_errors_keep_name_and_expiry_but_never_the_number_or_cvc_R_CHK_5(
        client, session):
    number = place(session, {"aurora-knight-figure": 1}, FAILS_LATER)
    finalize(session, number)
    login(client)
    bad = client.post(f"/account/orders/{number}/payment",
                      data=VISA | {"card_number": "4242 4242 4242 4241", "card_cvc": "987"})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'data-field="card_number"' in page
    assert 'value="Quinn Avery"' in page and 'value="12/39"' in page
    assert "4242 4242 4242 4241" not in page and 'value="987"' not in page
    debit = client.post(f"/account/orders/{number}/payment",
                        data=VISA | {"card_number": "4000 0566 5566 5556"})
    assert debit.status_code == 422 and "Debit cards are not accepted" in debit.get_data(
        as_text=True)
    assert order_of(session, number).payment_status == "failed"


def test_update_payment_with_a_good_card_pays_the_order_at_once_R_PAY_4(client, session):
    number = place(session, {"aurora-knight-figure": 1}, FAILS_LATER)
    finalize(session, number)
    login(client)
    paid = client.post(f"/account/orders/{number}/payment", data=VISA)
    assert paid.status_code == 303 and paid.location.endswith(f"/account/orders/{number}")
    assert order_of(session, number).payment_status == "paid"
    page = show(client, number)
    assert 'data-testid="update-payment"' not in page and 'data-level="success"' in page
    again = client.get(f"/account/orders/{number}/payment")
    assert again.status_code == 303


def test_after_a_declined_card_the_customer_can_try_another_one_R_PAY_4(client, session):
    number = place(session, {"aurora-knight-figure": 1}, FAILS_LATER)
    finalize(session, number)
    login(client)
    declined = client.post(f"/account/orders/{number}/payment", data=FAILS_LATER)
    assert declined.status_code == 422
    assert 'data-testid="update-payment"' in show(client, number)
    assert client.post(f"/account/orders/{number}/payment", data=VISA).status_code == 303


def test_the_customer_cancels_a_preorder_with_a_reason_R_RET_3(client, session):
    number = place(session, {"aurora-knight-figure": 1})
    login(client)
    done = client.post(f"/account/orders/{number}/cancel", data={"reason": "mistake"})
    assert done.status_code == 303
    page = show(client, number)
    assert 'data-testid="order-status">Cancelled<' in page and 'data-level="success"' in page
    assert 'data-testid="cancel-order"' not in page
    sent = session.scalars(select(Email).where(Email.kind == "cancelled")).one()
    assert number in sent.subject and sent.to == "qa.us@example.com"


@pytest.mark.parametrize("reason", ["release_date_changed", "reorder_with_coupon"])
def test_a_refused_cancel_reason_shows_an_error_flash_with_the_guide_link_R_RET_3(
        client, session, reason):
    number = place(session, {"aurora-knight-figure": 1})
    login(client)
    refused = client.post(f"/account/orders/{number}/cancel", data={"reason": reason})
    page = refused.get_data(as_text=True)
    flash = re.search(r'<p class="flash error" data-testid="flash" data-level="error"[^>]*>'
                      r'(.*?)</p>', page, re.S).group(1)
    assert refused.status_code == 422 and "cannot be cancelled" in flash
    assert 'href="/guide/cancellations"' in flash
    assert order_of(session, number).status == "placed"


def test_cancel_without_a_reason_is_a_field_error_R_RET_3(client, session):
    number = place(session, {"aurora-knight-figure": 1})
    login(client)
    refused = client.post(f"/account/orders/{number}/cancel", data={"reason": ""})
    assert refused.status_code == 422
    assert 'data-field="reason"' in refused.get_data(as_text=True)


def test_an_exchange_is_requested_once_the_order_has_shipped_R_RET_2(client, session):
    number = place(session, {"pocket-cat-keychain": 1})
    login(client)
    assert 'data-testid="request-exchange"' not in show(client, number)
    ship(session, number)
    page = show(client, number)
    assert 'data-testid="request-exchange"' in page
    assert 'data-testid="carrier">UPS<' in page and 'data-testid="tracking-number">1Z999AA1<' \
        in page
    short = client.post(f"/account/orders/{number}/exchange", data={"reason": "broken"})
    assert short.status_code == 422 and 'data-field="reason"' in short.get_data(as_text=True)
    done = client.post(f"/account/orders/{number}/exchange",
                       data={"reason": "The keyring arrived snapped in two."})
    assert done.status_code == 303
    page = show(client, number)
    assert "waiting for our answer" in page and 'data-testid="request-exchange"' not in page
    assert "Exchange asked for a defective item." in page


def test_nobody_acts_on_another_customers_order(client, session):
    number = place(session, {"aurora-knight-figure": 1}, FAILS_LATER, email="qa.fr@example.com")
    login(client)
    for action, data in (("address", NEW_ADDRESS), ("payment", VISA),
                         ("cancel", {"reason": "mistake"}), ("exchange", {"reason": "x" * 20})):
        assert client.post(f"/account/orders/{number}/{action}", data=data).status_code == 404
    assert client.get(f"/account/orders/{number}/payment").status_code == 404
    assert order_of(session, number).status == "placed"


def test_order_actions_need_the_csrf_token_their_forms_carry(database_url, app, session):
    number = place(session, {"aurora-knight-figure": 1})
    strict = create_app(settings(database_url, WTF_CSRF_ENABLED=True))
    client = strict.test_client()
    page = client.get("/login")
    client.post("/login", data={"email": "qa.us@example.com", "password": "Qa-Passw0rd!",
                                "csrf_token": hidden(page.data, "csrf_token")})
    page = show(client, number)
    assert page.count('name="csrf_token"') >= 3
    url = f"/account/orders/{number}/cancel"
    assert client.post(url, data={"reason": "mistake"}).status_code == 400
    token = hidden(page, "csrf_token")
    assert client.post(url, data={"reason": "mistake", "csrf_token": token}).status_code == 303


def test_htmx_actions_answer_with_the_next_page_and_its_url(client, session):
    number = place(session, {"aurora-knight-figure": 1})
    login(client)
    headers = {"HX-Request": "true", "HX-Target": "main"}
    bad = client.post(f"/account/orders/{number}/cancel", data={"reason": ""}, headers=headers)
    assert bad.status_code == 422 and "<html" not in bad.get_data(as_text=True)
    done = client.post(f"/account/orders/{number}/cancel", data={"reason": "mistake"},
                       headers=headers)
    assert done.status_code == 200 and done.headers["HX-Push-Url"] == f"/account/orders/{number}"
    assert 'data-testid="order-detail"' in done.get_data(as_text=True)
