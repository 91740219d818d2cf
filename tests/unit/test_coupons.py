"""Coupons at checkout (R-CHK-7, R-RET-3)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from storefront import clock
from storefront.models import CouponUse, Order, Payment
from storefront.services import aftercare, checkout_steps, coupons
from storefront.services.checkout_steps import Rules
from storefront.services.errors import CouponRefused, InvalidInput, NotAllowed
from tests.builders import confirm, gateway, ready_checkout, user
from tests.support.refusals import refused


def with_coupon(session, items, code):
    me = user(session)
    checkout, _ = ready_checkout(session, me, items)
    checkout_steps.use_coupon(session, checkout, me, code, Rules())
    cart = checkout_steps.load_cart(session, me)
    return me, checkout, checkout_steps.fingerprint(cart, checkout.coupon_code)


def test_percent_coupon_takes_ten_percent_off_the_largest_qualifying_order_R_CHK_7(session):
    me, checkout, seen = with_coupon(session, {"aurora-knight-figure": 1,
                                               "moonlit-dancer-figure": 1,
                                               "pocket-cat-keychain": 1}, " welcome10 ")
    placed = confirm(session, me, checkout, seen).orders
    discounts = {o.lines[0].product_name: o.discount_cents for o in placed}
    assert discounts == {"Aurora Knight Figure": 1900, "Moonlit Dancer Figure": 0,
                         "Pocket Cat Keychain": 0}
    aurora = next(o for o in placed if o.discount_cents)
    assert aurora.total_cents == 18999 + 1800 - 1900
    assert [e.kind for e in aurora.events].count("coupon") == 1


def test_percent_discounts_round_half_up_to_the_cent():
    coupon = coupons.Coupon(kind="percent", value=10)
    assert coupons.amount_off(coupon, 5450) == 545
    assert coupons.amount_off(coupon, 18999) == 1900
    assert coupons.amount_off(coupons.Coupon(kind="amount", value=500), 300) == 300


def test_the_minimum_spend_is_per_order_R_CHK_7(session):
    with refused(CouponRefused, "coupon_minimum"):
        with_coupon(session, {"pocket-cat-keychain": 1}, "WELCOME10")


def test_an_expired_coupon_is_refused_with_a_message_R_CHK_7(session):
    with refused(CouponRefused, "coupon_expired"):
        with_coupon(session, {"pocket-cat-keychain": 2}, "EXPIRED5")


def test_unknown_and_disabled_coupons_are_refused(session):
    with refused(CouponRefused, "coupon_unknown"):
        with_coupon(session, {"pocket-cat-keychain": 2}, "NOPE")
    coupons.set_active(session, "FIVEOFF", False)
    with refused(CouponRefused, "coupon_unknown"):
        with_coupon(session, {"pocket-cat-keychain": 2}, "FIVEOFF")


def test_a_coupon_is_used_once_per_customer_R_CHK_7(session):
    me, checkout, seen = with_coupon(session, {"aurora-knight-figure": 1}, "WELCOME10")
    confirm(session, me, checkout, seen)
    with pytest.raises(NotAllowed, match="already used"):
        with_coupon(session, {"aurora-knight-figure": 1}, "WELCOME10")


def test_a_cancelled_order_does_not_give_the_coupon_back_R_RET_3(session):
    me, checkout, seen = with_coupon(session, {"aurora-knight-figure": 1}, "WELCOME10")
    (order,) = confirm(session, me, checkout, seen).orders
    aftercare.cancel(session, gateway(), order, me, "mistake")
    assert session.get(Order, order.id).status == "cancelled"
    with pytest.raises(NotAllowed, match="already used"):
        with_coupon(session, {"aurora-knight-figure": 1}, "WELCOME10")


def test_a_coupon_that_expired_after_it_was_applied_stops_confirmation(session):
    me, checkout, seen = with_coupon(session, {"pocket-cat-keychain": 2}, "FIVEOFF")
    coupon = coupons.find(session, "FIVEOFF")
    coupon.ends_at = clock.now() - timedelta(minutes=1)
    session.commit()
    with pytest.raises(CouponRefused):
        confirm(session, me, checkout, seen)


def test_a_declined_checkout_gives_the_coupon_back(session):
    me = user(session)
    checkout, _ = ready_checkout(session, me, {"pocket-cat-keychain": 2},
                                 card={"card_number": "4000 0000 0000 0341",
                                       "card_expiry": "12/39", "card_cvc": "123",
                                       "card_name": "Q"})
    checkout_steps.use_coupon(session, checkout, me, "WELCOME10", Rules())
    seen = checkout_steps.fingerprint(checkout_steps.load_cart(session, me), "WELCOME10")
    with pytest.raises(Exception, match="declined"):
        confirm(session, me, checkout, seen)
    assert session.scalars(select(CouponUse)).all() == []


def test_discounts_and_refunds_add_up_to_the_cent_R_CHK_7(session):
    me, checkout, seen = with_coupon(session, {"grand-castle-diorama": 1}, "WELCOME10")
    (order,) = confirm(session, me, checkout, seen).orders  # above the threshold: charged
    assert order.total_cents == 124900 + 1800 - 12490 == order.paid_cents
    aftercare.cancel(session, gateway(), order, me, "mistake")
    refunds = session.scalars(select(Payment).where(Payment.kind == "refund")).all()
    assert sum(r.amount_cents for r in refunds) == order.total_cents


def test_staff_create_coupons_with_checked_fields(session):
    with pytest.raises(InvalidInput) as exc:
        coupons.create(session, code="x", kind="percent", value="150", min_spend="abc")
    assert set(exc.value.errors) == {"code", "value", "min_spend"}
    made = coupons.create(session, code="spring-15", kind="percent", value="15",
                          min_spend="30.00")
    assert (made.code, made.value, made.min_items_cents) == ("SPRING-15", 15, 3000)
