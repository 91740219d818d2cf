"""The address book on My Account through forms (R-ACC-5, R-SHP-4; QA contract)."""
from __future__ import annotations

import re

from sqlalchemy import select

from storefront.models import Order
from tests.builders import confirm, login, ready_checkout, user

BOSTON = {"full_name": "Robin Park", "line1": "9 Elm Road", "line2": "", "city": "Boston",
          "state": "MA", "postal_code": "02108", "country": "US", "phone": "+1 617 555 0100"}


def book(client) -> str:
    return client.get("/account/addresses/").get_data(as_text=True)


def ids(page: str) -> list[str]:
    return re.findall(r'data-testid="address-card" data-address-id="(\d+)"', page)


def test_my_account_links_the_address_book_with_the_new_address_form(client):
    login(client)
    assert 'data-testid="address-book" href="/account/addresses/"' in \
        client.get("/account/").get_data(as_text=True)
    page = book(client)
    assert "350 Fifth Avenue" in page and 'data-testid="default-address"' in page
    assert 'data-testid="new-address"' in page and 'data-testid="address-save"' in page
    for name in ("full_name", "line1", "line2", "city", "state", "postal_code", "phone"):
        assert f'name="{name}"' in page
    assert re.search(r'<select id="f-country" name="country"><option value="US" selected>',
                     page)


def test_the_address_book_needs_a_login(client):
    response = client.get("/account/addresses/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_new_address_is_saved_and_listed(client):
    login(client)
    response = client.post("/account/addresses/", data=BOSTON)
    assert response.status_code == 303
    page = book(client)
    assert "9 Elm Road" in page and len(ids(page)) == 2
    assert 'data-level="success"' in page


def test_a_bad_postal_code_is_named_and_the_form_stays_open_R_ACC_5(client):
    login(client)
    response = client.post("/account/addresses/", data=BOSTON | {"postal_code": "ABC"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'data-field="postal_code"' in page
    assert '<details class="new-address" open>' in page and 'value="9 Elm Road"' in page


def test_an_address_outside_the_account_region_is_refused_R_ACC_5(client):
    login(client)
    paris = {"full_name": "Camille Martin", "line1": "3 rue du Bac", "city": "Paris",
             "postal_code": "75007", "country": "FR"}
    response = client.post("/account/addresses/", data=paris)
    assert response.status_code == 422 and 'data-field="country"' in response.get_data(
        as_text=True)
    assert len(ids(book(client))) == 1


def test_an_address_is_edited_removed_and_the_default_moves(client):
    login(client)
    client.post("/account/addresses/", data=BOSTON)
    first, second = ids(book(client))
    edit = client.get(f"/account/addresses/{second}").get_data(as_text=True)
    assert 'value="9 Elm Road"' in edit and 'data-testid="address-save"' in edit
    assert client.post(f"/account/addresses/{second}", data=BOSTON | {"line2": "Apt 4"}
                       ).status_code == 303
    assert "Apt 4" in book(client)
    bad = client.post(f"/account/addresses/{second}", data=BOSTON | {"city": ""})
    assert bad.status_code == 422 and 'data-field="city"' in bad.get_data(as_text=True)
    assert client.post(f"/account/addresses/{second}/default").status_code == 303
    assert ids(book(client)) == [second, first]  # the default is listed first
    client.post(f"/account/addresses/{second}/remove")
    page = book(client)
    assert ids(page) == [first] and 'data-testid="default-address"' in page


def test_another_customers_address_is_404(client, session):
    theirs = user(session, "qa.fr@example.com").addresses[0].id
    login(client)
    assert client.get(f"/account/addresses/{theirs}").status_code == 404
    for action in ("", "/remove", "/default"):
        assert client.post(f"/account/addresses/{theirs}{action}", data=BOSTON
                           ).status_code == 404
    session.expire_all()
    assert user(session, "qa.fr@example.com").addresses[0].line1 == "12 rue de Rivoli"


def test_editing_and_removing_book_addresses_leaves_placed_orders_alone_R_SHP_4(client,
                                                                                 session):
    me = user(session)
    checkout, seen = ready_checkout(session, me, {"aurora-knight-figure": 1})
    number = confirm(session, me, checkout, seen).orders[0].number
    address_id = me.addresses[0].id
    login(client)
    client.post(f"/account/addresses/{address_id}", data=BOSTON)
    assert "9 Elm Road" in book(client)
    client.post(f"/account/addresses/{address_id}/remove")
    order_page = client.get(f"/account/orders/{number}").get_data(as_text=True)
    assert "350 Fifth Avenue" in order_page and "9 Elm Road" not in order_page
    session.expire_all()
    order = session.scalars(select(Order).where(Order.number == number)).one()
    assert order.shipping_address["line1"] == "350 Fifth Avenue"
