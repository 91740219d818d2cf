"""The address book: checked per country, only in the account region, never reaching placed
orders (R-ACC-5, R-SHP-4)."""
from __future__ import annotations

import pytest

from storefront.services import addresses
from storefront.services.errors import InvalidInput, NotFound
from tests.builders import US_ADDRESS, confirm, ready_checkout, user

BOSTON = US_ADDRESS | {"full_name": "Robin Park", "line1": "9 Elm Road", "city": "Boston",
                       "state": "MA", "postal_code": "02108"}
PARIS = {"full_name": "Camille Martin", "line1": "3 rue du Bac", "city": "Paris",
         "postal_code": "75007", "country": "FR"}


def test_a_new_address_is_checked_and_saved_in_the_account_region_R_ACC_5(session):
    me = user(session)
    saved = addresses.add(session, me, BOSTON)
    assert (saved.city, saved.state, saved.country, saved.is_default) == \
        ("Boston", "MA", "US", False)
    assert [a.line1 for a in addresses.entries(me)] == ["350 Fifth Avenue", "9 Elm Road"]


def test_an_address_outside_the_account_region_is_refused_R_ACC_5(session):
    with pytest.raises(InvalidInput) as exc:
        addresses.add(session, user(session), PARIS)
    assert "account region" in exc.value.errors["country"]


@pytest.mark.parametrize("email, data, field", [
    ("qa.us@example.com", BOSTON | {"postal_code": "ABCDE"}, "postal_code"),
    ("qa.us@example.com", BOSTON | {"state": ""}, "state"),
    ("qa.us@example.com", BOSTON | {"full_name": ""}, "full_name"),
    ("qa.fr@example.com", PARIS | {"postal_code": "7500"}, "postal_code"),
    ("qa.fr@example.com", PARIS | {"city": ""}, "city"),
])
def test_required_fields_and_postal_codes_are_checked_per_country_R_ACC_5(
        session, email, data, field):
    with pytest.raises(InvalidInput) as exc:
        addresses.add(session, user(session, email), data)
    assert field in exc.value.errors


def test_the_first_address_is_the_default_and_another_can_be_chosen(session):
    me = user(session)
    boston = addresses.add(session, me, BOSTON, make_default=True)
    assert [a.is_default for a in addresses.entries(me)] == [True, False]
    assert addresses.entries(me)[0] is boston
    addresses.set_default(session, me, me.addresses[0].id)
    assert addresses.entries(me)[0].line1 == "350 Fifth Avenue"


def test_removing_the_default_makes_another_address_the_default(session):
    me = user(session)
    addresses.add(session, me, BOSTON)
    addresses.remove(session, me, me.addresses[0].id)
    session.expire_all()
    [left] = user(session).addresses
    assert (left.line1, left.is_default) == ("9 Elm Road", True)


def test_an_address_is_corrected_and_checked_again(session):
    me = user(session)
    first = me.addresses[0]
    addresses.update(session, me, first.id, first.snapshot() | {"line2": "Floor 86"})
    assert first.line2 == "Floor 86"
    with pytest.raises(InvalidInput):
        addresses.update(session, me, first.id, first.snapshot() | {"postal_code": "1"})


def test_another_customers_address_is_not_found(session):
    theirs = user(session, "qa.fr@example.com").addresses[0].id
    me = user(session)
    for act in (lambda: addresses.update(session, me, theirs, BOSTON),
                lambda: addresses.remove(session, me, theirs),
                lambda: addresses.set_default(session, me, theirs)):
        with pytest.raises(NotFound):
            act()


def test_editing_or_removing_a_saved_address_never_changes_placed_orders_R_SHP_4(session):
    me = user(session)
    checkout, seen = ready_checkout(session, me, {"pocket-cat-keychain": 1})
    order = confirm(session, me, checkout, seen).orders[0]
    placed = dict(order.shipping_address)
    address_id = me.addresses[0].id
    addresses.update(session, me, address_id, BOSTON)
    session.expire_all()
    assert order.shipping_address == placed and order.billing_address["line1"] == \
        "350 Fifth Avenue"
    addresses.remove(session, me, address_id)
    session.expire_all()
    assert order.shipping_address == placed and user(session).addresses == []
