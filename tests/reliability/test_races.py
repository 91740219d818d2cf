"""Races on Confirm Order, run on SQLite and (in CI) PostgreSQL (R-CHK-2, R-CAT-6)."""
from __future__ import annotations

from sqlalchemy import func, select

from storefront.models import Email, Order, Product, TestGatewayCharge, User
from storefront.services.errors import OutOfStock, ServiceError
from tests.builders import confirm, customer, product, ready_checkout, user
from tests.reliability.racing import crashes, race


def total(session, model, *where):
    session.rollback()
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_customers_racing_for_the_last_unit_make_exactly_one_order_R_CAT_6(session):
    people = [customer(session, f"racer{i}@example.com") for i in range(6)]
    ready = [(p.id, *ready_checkout(session, p, {"last-one-artbook": 1})) for p in people]
    session.commit()

    def attempt(person_id, checkout, seen):
        def job(s):
            return confirm(s, s.get(User, person_id), checkout, seen)
        return job

    outcomes = race([attempt(*r) for r in ready])
    assert not crashes(outcomes)
    refused = [o for o in outcomes if isinstance(o, ServiceError)]
    print(f"race: 6 customers for the last unit, {6 - len(refused)} order, "
          f"{len(refused)} told it is no longer available")
    assert len(refused) == 5 and all(isinstance(r, OutOfStock) for r in refused)
    assert total(session, Order, Order.status == "placed") == 1
    assert session.scalar(select(Product.stock).where(Product.slug == "last-one-artbook")) == 0
    assert total(session, TestGatewayCharge) == 1


def test_twenty_identical_confirms_make_one_order_one_charge_one_email_R_CHK_2(session):
    me = user(session)
    checkout, seen = ready_checkout(session, me, {"pocket-cat-keychain": 2,
                                                  "aurora-knight-figure": 1})
    session.commit()
    outcomes = race([lambda s: confirm(s, s.get(User, me.id), checkout, seen)] * 20)
    assert not crashes(outcomes)
    print(f"double submit: 20 identical confirms, {total(session, Order)} orders, "
          f"{total(session, TestGatewayCharge)} charge")
    assert not [o for o in outcomes if isinstance(o, ServiceError)]
    assert total(session, Order) == 2
    assert total(session, TestGatewayCharge) == 1
    assert total(session, Email, Email.kind == "order_confirmation") == 1
    assert product(session, "pocket-cat-keychain").stock == 48


def test_fifty_customers_racing_for_ten_units_make_exactly_ten_orders_R_CAT_6(session):
    """Issue 7, item 2: 50 confirms at once for 10 remaining units."""
    product(session, "pocket-cat-keychain").stock = 10
    session.commit()
    people = [customer(session, f"crowd{i}@example.com") for i in range(50)]
    ready = [(p.id, *ready_checkout(session, p, {"pocket-cat-keychain": 1})) for p in people]
    session.commit()

    def attempt(person_id, checkout, seen):
        return lambda s: confirm(s, s.get(User, person_id), checkout, seen)

    outcomes = race([attempt(*r) for r in ready])
    assert not crashes(outcomes)
    refused = [o for o in outcomes if isinstance(o, ServiceError)]
    print(f"race: 50 customers, 10 units, {50 - len(refused)} orders, {len(refused)} refused")
    assert len(refused) == 40
    assert total(session, Order, Order.status == "placed") == 10
    assert session.scalar(select(Product.stock).where(Product.slug == "pocket-cat-keychain")) == 0
