"""Saved payment methods (issue 15, point 7): consent, default first, expired never offered,
removal leaves orders alone."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from storefront import clock
from storefront.models import PaymentMethod
from storefront.services import checkout_steps, payment_methods
from storefront.services.errors import NotFound
from tests.builders import VISA, confirm, customer, gateway, ready_checkout

MASTERCARD = {"card_number": "5555 5555 5555 4444", "card_expiry": "12/39", "card_cvc": "123",
              "card_name": "Quinn Avery"}


def _save(session, person, card, when=None):
    clock.use(when)
    try:
        checkout = checkout_steps.start(session, person, checkout_steps.load_cart(session, person))
        checkout_steps.use_card(session, checkout, person, gateway(), card, save=True)
    finally:
        clock.use(None)


def test_a_card_is_saved_only_with_consent_issue_15(session):
    me = customer(session, "saver@example.com")
    ready_checkout(session, me, {"pocket-cat-keychain": 1})  # no consent
    assert payment_methods.listed(session, me.id) == []
    _save(session, me, VISA)
    [saved] = payment_methods.listed(session, me.id)
    assert (saved.last4, saved.kind) == ("4242", "card") and saved.token
    assert checkout_steps.open_checkout(session, me).payment_method_id != saved.id  # its own copy


def test_the_most_recent_is_the_default_unless_the_customer_picks_one_issue_15(session):
    me = customer(session, "picker@example.com")
    ready_checkout(session, me, {"pocket-cat-keychain": 1})
    _save(session, me, VISA, datetime.now(UTC) - timedelta(days=1))
    _save(session, me, MASTERCARD)
    assert [m.last4 for m in payment_methods.offered(session, me.id)] == ["4444", "4242"]
    visa = payment_methods.listed(session, me.id)[1]
    payment_methods.make_default(session, me, visa.id)
    assert [m.last4 for m in payment_methods.offered(session, me.id)] == ["4242", "4444"]


def test_expired_methods_are_never_offered_at_the_clock_of_the_day_issue_15(session):
    me = customer(session, "expired@example.com")
    ready_checkout(session, me, {"pocket-cat-keychain": 1})
    _save(session, me, VISA)
    [saved] = payment_methods.listed(session, me.id)
    assert not payment_methods.is_expired(saved, date(2039, 12, 31))
    assert payment_methods.is_expired(saved, date(2040, 1, 1))
    clock.use(datetime(2040, 1, 1, tzinfo=UTC))
    try:
        assert payment_methods.offered(session, me.id) == []
        assert len(payment_methods.listed(session, me.id)) == 1  # still listed in My Account
        checkout = checkout_steps.open_checkout(session, me)
        with pytest.raises(NotFound):
            payment_methods.use_saved(session, checkout, me, saved.id)
    finally:
        clock.use(None)


def test_paying_with_a_saved_card_uses_its_token_and_removing_it_leaves_orders_alone_issue_15(
        session):
    me = customer(session, "returning@example.com")
    ready_checkout(session, me, {"pocket-cat-keychain": 1})
    _save(session, me, VISA)
    [saved] = payment_methods.listed(session, me.id)
    checkout = checkout_steps.open_checkout(session, me)
    used = payment_methods.use_saved(session, checkout, me, saved.id, gateway().name)
    assert used.token == saved.token and used.id != saved.id
    seen = checkout_steps.fingerprint(checkout_steps.load_cart(session, me))
    checkout_steps.use_billing(session, checkout_steps.open_checkout(session, me), me, True, None)
    order = confirm(session, me, checkout_steps.open_checkout(session, me), seen).orders[0]
    payment_methods.remove(session, me, saved.id)
    assert payment_methods.listed(session, me.id) == []
    session.expire_all()
    method = session.get(PaymentMethod, order.payment_method_id)
    assert method is not None and method.token == saved.token and method.last4 == "4242"


def test_only_the_owner_can_use_or_remove_a_saved_method_issue_15(session):
    me = customer(session, "owner@example.com")
    ready_checkout(session, me, {"pocket-cat-keychain": 1})
    _save(session, me, VISA)
    [saved] = payment_methods.listed(session, me.id)
    other = customer(session, "other@example.com")
    ready_checkout(session, other, {"pocket-cat-keychain": 1})
    with pytest.raises(NotFound):
        payment_methods.remove(session, other, saved.id)
    with pytest.raises(NotFound):
        payment_methods.use_saved(session, checkout_steps.open_checkout(session, other), other,
                                  saved.id)
    assert payment_methods.listed(session, me.id) == [saved]


def test_saving_the_same_card_again_keeps_one_entry_issue_15(session):
    me = customer(session, "twice@example.com")
    ready_checkout(session, me, {"pocket-cat-keychain": 1})
    _save(session, me, VISA, datetime.now(UTC) - timedelta(days=1))
    _save(session, me, MASTERCARD)
    _save(session, me, VISA)
    assert [m.last4 for m in payment_methods.listed(session, me.id)] == ["4242", "4444"]
