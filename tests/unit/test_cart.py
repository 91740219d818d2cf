"""The cart: limits, stock, and surviving login (R-ACC-1, R-CAT-5, R-CAT-6)."""
from __future__ import annotations

import pytest

from storefront.services import cart as carts
from storefront.services.errors import LimitExceeded, NotFound, OutOfStock
from tests.builders import product, user


def test_a_visitor_cart_is_kept_by_its_token(session):
    cart = carts.add(session, carts.Owner(), "pocket-cat-keychain", 2)
    again = carts.get(session, carts.Owner(token=cart.token))
    assert carts.count(again) == 2 and carts.subtotal_cents(again) == 2400


def test_adding_twice_adds_up_and_stops_at_the_limit_R_CAT_5(session):
    cart = carts.add(session, carts.Owner(), "aurora-knight-figure", 2)
    with pytest.raises(LimitExceeded):
        carts.add(session, carts.Owner(token=cart.token), "aurora-knight-figure", 2)
    session.rollback()
    assert carts.count(carts.get(session, carts.Owner(token=cart.token))) == 2


def test_stock_caps_what_a_cart_can_hold_R_CAT_6(session):
    with pytest.raises(OutOfStock):
        carts.add(session, carts.Owner(), "last-one-artbook", 2)


def test_quantity_zero_removes_the_line(session):
    cart = carts.add(session, carts.Owner(), "pocket-cat-keychain", 2)
    owner = carts.Owner(token=cart.token)
    carts.set_quantity(session, owner, product(session, "pocket-cat-keychain").id, 0)
    assert carts.count(carts.get(session, owner)) == 0
    with pytest.raises(NotFound):
        carts.remove(session, owner, product(session, "pocket-cat-keychain").id)


def test_the_visitor_cart_joins_the_account_at_login_R_ACC_1(session):
    me = user(session)
    carts.add(session, carts.Owner(user_id=me.id), "aurora-knight-figure", 2)
    visitor = carts.add(session, carts.Owner(), "aurora-knight-figure", 2)
    carts.add(session, carts.Owner(token=visitor.token), "pocket-cat-keychain", 1)
    carts.adopt(session, visitor.token, me.id)
    mine = carts.get(session, carts.Owner(user_id=me.id))
    quantities = {li.product.slug: li.quantity for li in mine.lines}
    assert quantities == {"aurora-knight-figure": 3, "pocket-cat-keychain": 1}


def test_a_visitor_cart_becomes_the_account_cart_when_it_had_none_R_ACC_1(session):
    me = user(session, "qa.fr@example.com")
    visitor = carts.add(session, carts.Owner(), "pocket-cat-keychain", 4)
    carts.adopt(session, visitor.token, me.id)
    assert carts.count(carts.get(session, carts.Owner(user_id=me.id))) == 4
