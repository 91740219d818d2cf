"""Checkout and Confirm Order: split, fees, payment timing, once only (R-CHK-*, R-PAY-*)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from storefront.models import Email, Order, PaymentMethod, TestGatewayCharge
from storefront.services import checkout_steps, orders
from storefront.services.checkout_steps import Rules
from storefront.services.errors import (
    AccountRestricted,
    CartChanged,
    InvalidInput,
    LimitExceeded,
    NotAllowed,
    OutOfStock,
    PaymentFailed,
    RegionRestricted,
)
from tests.builders import confirm, customer, product, ready_checkout, user


def count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_each_preorder_is_its_own_order_and_in_stock_items_share_one_R_CHK_3(session):
    me = user(session)
    checkout, seen = ready_checkout(session, me, {"aurora-knight-figure": 1,
                                                  "moonlit-dancer-figure": 2,
                                                  "pocket-cat-keychain": 3,
                                                  "last-one-artbook": 1})
    placed = confirm(session, me, checkout, seen).orders
    kinds = sorted((o.kind, len(o.lines)) for o in placed)
    assert kinds == [("instock", 2), ("preorder", 1), ("preorder", 1)]
    assert len({o.number for o in placed}) == 3


def test_every_order_gets_the_shipping_fee_of_its_destination_R_CHK_4(session):
    me = user(session)
    checkout, _ = ready_checkout(session, me, {"aurora-knight-figure": 1,
                                               "pocket-cat-keychain": 1})
    cart = checkout_steps.load_cart(session, me)
    plans = checkout_steps.plan(cart, "US", Rules(shipping_fees={"*": 1800, "US": 2500}))
    assert [p.shipping_cents for p in plans] == [2500, 2500]
    assert [p.total_cents for p in plans] == [1200 + 2500, 18999 + 2500]
    assert [p.shipping_cents for p in checkout_steps.plan(cart, "DE", Rules())] == [1800, 1800]


def test_in_stock_orders_are_charged_at_confirmation_R_PAY_1(session):
    me = user(session)
    checkout, seen = ready_checkout(session, me, {"pocket-cat-keychain": 2})
    (order,) = confirm(session, me, checkout, seen).orders
    assert (order.status, order.payment_status) == ("placed", "paid")
    charges = session.scalars(select(TestGatewayCharge)).all()
    assert [(c.kind, c.amount_cents) for c in charges] == [("charge", 2400 + 1800)]


def test_preorders_are_not_charged_and_read_incomplete_R_PAY_2(session):
    me = user(session)
    checkout, seen = ready_checkout(session, me, {"aurora-knight-figure": 1})
    (order,) = confirm(session, me, checkout, seen).orders
    assert order.payment_status == "incomplete"
    assert orders.display_status(order) == "Incomplete"
    assert count(session, TestGatewayCharge) == 0


def test_preorders_above_the_threshold_are_charged_at_ordering_R_PAY_2(session):
    me = user(session)
    checkout, seen = ready_checkout(session, me, {"grand-castle-diorama": 1})
    (order,) = confirm(session, me, checkout, seen).orders
    assert order.payment_status == "paid"
    assert count(session, TestGatewayCharge) == 1


def test_the_threshold_is_configurable_R_PAY_2(session):
    me = user(session)
    checkout, seen = ready_checkout(session, me, {"aurora-knight-figure": 1})
    (order,) = confirm(session, me, checkout, seen,
                       Rules(charge_at_order_threshold=10000)).orders
    assert order.payment_status == "paid"


def test_a_second_confirm_of_the_same_checkout_makes_no_second_order_R_CHK_2(session):
    me = user(session)
    checkout, seen = ready_checkout(session, me, {"pocket-cat-keychain": 1,
                                                  "aurora-knight-figure": 1})
    first = confirm(session, me, checkout, seen)
    second = confirm(session, me, checkout, seen)
    assert first.id == second.id
    assert count(session, Order) == 2
    assert count(session, TestGatewayCharge) == 1
    assert count(session, Email, Email.kind == "order_confirmation") == 1


def test_confirmation_email_names_every_order_and_has_text_and_html_R_CHK_8(session):
    me = user(session)
    checkout, seen = ready_checkout(session, me, {"pocket-cat-keychain": 1,
                                                  "aurora-knight-figure": 1})
    placed = confirm(session, me, checkout, seen).orders
    (email,) = session.scalars(select(Email).where(Email.kind == "order_confirmation")).all()
    assert email.to == "qa.us@example.com"
    for order in placed:
        assert order.number in email.subject
        assert order.number in email.text and order.number in email.html
    assert email.sent_at is not None  # delivered after commit (R-COM-2)


def test_confirming_empties_the_cart_and_takes_the_stock_R_CAT_6(session):
    me = user(session)
    checkout, seen = ready_checkout(session, me, {"pocket-cat-keychain": 3})
    confirm(session, me, checkout, seen)
    assert product(session, "pocket-cat-keychain").stock == 47
    assert checkout_steps.load_cart(session, me).lines == []


def test_the_last_unit_goes_to_one_customer_and_the_other_is_told_R_CAT_6(session):
    first, second = user(session), customer(session, "second@example.com")
    a, seen_a = ready_checkout(session, first, {"last-one-artbook": 1})
    b, seen_b = ready_checkout(session, second, {"last-one-artbook": 1})
    confirm(session, first, a, seen_a)
    with pytest.raises(OutOfStock):
        confirm(session, second, b, seen_b)
    assert product(session, "last-one-artbook").stock == 0
    assert count(session, Order) == 1
    assert checkout_steps.by_token(session, second, b.token).status == "open"


def test_a_cart_changed_after_review_is_not_confirmed(session):
    from storefront.services import cart as carts

    me = user(session)
    checkout, seen = ready_checkout(session, me, {"pocket-cat-keychain": 1})
    carts.add(session, carts.Owner(user_id=me.id, region="US"), "pocket-cat-keychain", 1)
    with pytest.raises(CartChanged):
        confirm(session, me, checkout, seen)
    assert count(session, Order) == 0


def test_a_product_not_sold_in_the_region_blocks_checkout_R_CAT_4(session):
    me = user(session)
    checkout, seen = ready_checkout(session, me, {"moonlit-dancer-figure": 1})
    me.region = "FR"  # as if the FR customer had this cart
    session.commit()
    with pytest.raises(RegionRestricted):
        confirm(session, me, checkout, seen)
    assert count(session, Order) == 0


def test_a_declined_card_is_refused_at_the_payment_step_R_CHK_5(session):
    me = user(session)
    with pytest.raises(InvalidInput) as exc:
        ready_checkout(session, me, {"pocket-cat-keychain": 1},
                       card={"card_number": "4000 0000 0000 0002", "card_expiry": "12/39",
                             "card_cvc": "123", "card_name": "Q"})
    assert "declined" in exc.value.errors["card_number"]


def test_debit_cards_are_refused_R_CHK_5(session):
    me = user(session)
    with pytest.raises(InvalidInput) as exc:
        ready_checkout(session, me, {"pocket-cat-keychain": 1},
                       card={"card_number": "4000 0566 5566 5556", "card_expiry": "12/39",
                             "card_cvc": "123", "card_name": "Q"})
    assert "Debit cards are not accepted" in exc.value.errors["card_number"]
    assert count(session, PaymentMethod) == 0


def test_only_the_token_brand_last_four_and_expiry_are_kept_R_CHK_5(session):
    me = user(session)
    ready_checkout(session, me, {"pocket-cat-keychain": 1})
    (method,) = session.scalars(select(PaymentMethod)).all()
    assert (method.brand, method.last4, method.exp_month, method.exp_year) == \
        ("Visa", "4242", 12, 2039)
    assert method.token.startswith("tok_test_")
    assert "4242424242424242" not in repr(vars(method))


def test_a_failed_charge_at_confirmation_orders_nothing_and_returns_the_stock_R_PAY_1(session):
    me = user(session)
    checkout, seen = ready_checkout(session, me, {"last-one-artbook": 1},
                                    card={"card_number": "4000 0000 0000 0341",
                                          "card_expiry": "12/39", "card_cvc": "123",
                                          "card_name": "Q"})
    with pytest.raises(PaymentFailed):
        confirm(session, me, checkout, seen)
    assert product(session, "last-one-artbook").stock == 1
    assert orders.history(session, me.id) == []
    assert checkout_steps.by_token(session, me, checkout.token).status == "open"
    assert count(session, Email, Email.kind == "order_confirmation") == 0


def test_a_restricted_account_cannot_order_R_RET_5(session):
    me = user(session)
    checkout, seen = ready_checkout(session, me, {"pocket-cat-keychain": 1})
    me.is_restricted = True
    session.commit()
    with pytest.raises(AccountRestricted):
        confirm(session, me, checkout, seen)


def test_the_per_customer_limit_counts_earlier_orders_R_CAT_5(session):
    me = user(session)
    product(session, "pocket-cat-keychain").per_customer_limit = 4
    session.commit()
    checkout, seen = ready_checkout(session, me, {"pocket-cat-keychain": 3})
    confirm(session, me, checkout, seen)
    checkout, seen = ready_checkout(session, me, {"pocket-cat-keychain": 2})
    with pytest.raises(LimitExceeded) as refused:
        confirm(session, me, checkout, seen)
    assert refused.value.code == "limit_exceeded"


def test_orders_get_numbers_a_person_can_read_out():
    number = orders.new_number()
    assert len(number) == 12 and number.startswith("SF-")
    assert not set(number[3:].replace("-", "")) & set("01ILOU")


def test_status_moves_outside_the_table_are_refused(session):
    me = user(session)
    checkout, seen = ready_checkout(session, me, {"aurora-knight-figure": 1})
    (order,) = confirm(session, me, checkout, seen).orders
    with pytest.raises(NotAllowed):
        orders.move(order, "returned", actor="test", why="not shipped yet")
    assert [e.kind for e in order.events][:2] == ["placed", "status"]
