"""Account deletion: blocked by unshipped orders, otherwise erasing personal data and keeping
anonymised orders (R-ACC-8)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from storefront import clock
from storefront.models import (
    Address,
    Cart,
    Email,
    Order,
    OrderEvent,
    PaymentMethod,
    SocialIdentity,
    User,
)
from storefront.services import accounts, aftercare, deletion, fulfilment
from storefront.services import cart as carts
from storefront.services.errors import InvalidInput
from tests.builders import PASSWORD, confirm, gateway, ready_checkout, user


def place(session, me: User, items: dict[str, int]) -> Order:
    checkout, seen = ready_checkout(session, me, items)
    return confirm(session, me, checkout, seen).orders[0]


def shipped(session, me: User) -> Order:
    """An in-stock order, paid at confirmation, then shipped by staff."""
    order = place(session, me, {"pocket-cat-keychain": 1})
    fulfilment.mark_shipped(session, order, "UPS", "1Z999AA1", actor="staff:test")
    return order


def social_only(session) -> User:
    person = User(email="gina@example.com", password_hash=None, region="US",
                  auth_provider="google", created_at=clock.now())
    session.add(person)
    session.flush()
    session.add(SocialIdentity(user_id=person.id, provider="google", subject="g-123",
                               email=person.email, created_at=clock.now()))
    session.commit()
    return person


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_unshipped_orders_block_deletion_and_are_named_R_ACC_8(session):
    me = user(session)
    preorder = place(session, me, {"aurora-knight-figure": 1})
    in_stock = place(session, me, {"pocket-cat-keychain": 1})
    assert [o.number for o in deletion.blocking_orders(session, me)] == \
        [preorder.number, in_stock.number]
    with pytest.raises(deletion.DeletionBlocked) as exc:
        deletion.delete_account(session, me, password=PASSWORD)
    assert exc.value.numbers == [preorder.number, in_stock.number]
    assert preorder.number in exc.value.message
    session.rollback()
    assert user(session).deleted_at is None


def test_cancelled_and_shipped_orders_do_not_block_deletion_R_ACC_8(session):
    me = user(session)
    shipped(session, me)
    preorder = place(session, me, {"aurora-knight-figure": 1})
    aftercare.cancel(session, gateway(), preorder, me, "mistake")
    assert deletion.blocking_orders(session, me) == []


def test_a_password_account_confirms_with_its_password(session):
    me = user(session)
    with pytest.raises(InvalidInput) as exc:
        deletion.delete_account(session, me, password="Wrong-Passw0rd!")
    assert "password" in exc.value.errors
    session.rollback()
    assert user(session).deleted_at is None


def test_a_google_account_confirms_with_a_tick_R_ACC_8(session):
    person = social_only(session)
    with pytest.raises(InvalidInput) as exc:
        deletion.delete_account(session, person)
    assert "confirm" in exc.value.errors
    session.rollback()
    deletion.delete_account(session, person, confirmed=True)
    assert person.deleted_at is not None
    assert count(session, SocialIdentity, SocialIdentity.user_id == person.id) == 0


def test_deletion_erases_personal_data_and_keeps_orders_anonymised_R_ACC_8(session):
    me = user(session)
    order = shipped(session, me)
    aftercare.request_exchange(session, order, me, "The keychain arrived broken in two.")
    carts.add(session, carts.Owner(user_id=me.id, region="US"), "last-one-artbook", 1)
    version, user_id = me.session_version, me.id
    assert deletion.delete_account(session, me, password=PASSWORD) == "qa.us@example.com"
    session.expire_all()
    gone = session.get(User, user_id)
    assert gone.email == f"deleted-{user_id}@invalid" and gone.password_hash is None
    assert gone.deleted_at is not None and gone.session_version == version + 1
    assert count(session, Address, Address.user_id == user_id) == 0
    assert count(session, Cart, Cart.user_id == user_id) == 0
    assert count(session, PaymentMethod, PaymentMethod.user_id == user_id) == 0
    kept = session.get(Order, order.id)
    assert kept.email == gone.email and kept.user_id == user_id and kept.lines
    assert kept.total_cents == order.total_cents and kept.status == "shipped"
    for snapshot in (kept.shipping_address, kept.billing_address):
        assert snapshot["full_name"] == "Deleted customer" and snapshot["country"] == "US"
        assert not snapshot["line1"] and not snapshot["phone"]
    assert "qa.us@example.com" not in {e.actor for e in
                                       session.scalars(select(OrderEvent))}


def test_a_last_email_goes_to_the_original_address_and_earlier_mail_is_erased_R_ACC_8(
        session):
    me = user(session)
    shipped(session, me)
    deletion.delete_account(session, me, password=PASSWORD, base_url="http://store.test")
    kinds = list(session.scalars(select(Email.kind).where(Email.to == "qa.us@example.com")))
    assert kinds == ["account_deleted"]


def test_a_deleted_account_cannot_log_in_and_its_email_can_register_again_R_ACC_8(session):
    deletion.delete_account(session, user(session), password=PASSWORD)
    assert accounts.authenticate(session, "qa.us@example.com", PASSWORD) is None
    again = accounts.register(session, email="qa.us@example.com", password=PASSWORD,
                              password_confirm=PASSWORD, country="US", agree_terms=True)
    assert again.addresses == [] and again.deleted_at is None


def test_other_customers_are_untouched(session):
    other = user(session, "qa.fr@example.com")
    deletion.delete_account(session, user(session), password=PASSWORD)
    session.expire_all()
    assert other.email == "qa.fr@example.com" and len(other.addresses) == 1
    assert accounts.authenticate(session, "qa.fr@example.com", PASSWORD) == other
