"""Two quick taps on "Add to Cart" (issue 12, item 5), on SQLite and on PostgreSQL
(STOREFRONT_TEST_DATABASE_URL=postgresql+psycopg://...): 20 adds of the same product by one
customer at the same moment, starting with no cart at all, give no error and the right
quantity; so do 20 quantity changes racing with adds of another product."""
from __future__ import annotations

from sqlalchemy import func, select, update

from storefront.db import make_engine
from storefront.extensions import db
from storefront.models import Cart, CartLine, Product
from storefront.services import cart as carts
from tests.builders import product, user
from tests.reliability.racing import crashes, race

TAPS = 20


def _wide_pool(database_url: str):
    narrow = db.engine
    db.session.remove()
    db.engine = make_engine(database_url, pool_size=TAPS + 5, max_overflow=TAPS)
    db.session.configure(bind=db.engine)
    return narrow


def _restore(narrow) -> None:
    db.session.remove()
    db.engine.dispose()
    db.engine = narrow
    db.session.configure(bind=narrow)


def test_twenty_simultaneous_adds_make_one_cart_with_every_unit(session, database_url):
    keychain = product(session, "pocket-cat-keychain")
    session.execute(update(Product).where(Product.id == keychain.id)
                    .values(per_order_limit=None, stock=500))
    customer = user(session)
    owner = carts.Owner(user_id=customer.id, region=customer.region)
    session.commit()
    narrow = _wide_pool(database_url)
    try:
        outcomes = race([lambda s: carts.add(s, owner, "pocket-cat-keychain", 1)] * TAPS)
        db.session.expire_all()
        cart_count = db.session.scalar(select(func.count(Cart.id))
                                       .where(Cart.user_id == customer.id))
        quantity = db.session.scalar(select(func.sum(CartLine.quantity)).join(Cart)
                                     .where(Cart.user_id == customer.id))
        lines = db.session.scalar(select(func.count(CartLine.id)).join(Cart)
                                  .where(Cart.user_id == customer.id))
    finally:
        _restore(narrow)
    print(f"cart race ({db.engine.dialect.name if db.engine else '?'}): {TAPS} adds at once "
          f"from no cart -> {cart_count} cart, {lines} line, quantity {quantity}, "
          f"crashes {crashes(outcomes)}")
    assert not crashes(outcomes)
    assert (cart_count, lines, quantity) == (1, 1, TAPS)


def test_quantity_changes_racing_with_adds_lose_nothing(session, database_url):
    customer = user(session)
    owner = carts.Owner(user_id=customer.id, region=customer.region)
    session.execute(update(Product).values(per_order_limit=None, stock=500))
    session.commit()
    carts.add(session, owner, "pocket-cat-keychain", 1)
    keychain = product(session, "pocket-cat-keychain").id
    narrow = _wide_pool(database_url)
    try:
        jobs = ([lambda s: carts.add(s, owner, "last-one-artbook", 1)] * (TAPS // 2)
                + [lambda s: carts.set_quantity(s, owner, keychain, 7)] * (TAPS // 2))
        outcomes = race(jobs)
        db.session.expire_all()
        got = dict(db.session.execute(select(Product.slug, CartLine.quantity)
                                      .join(CartLine.product).join(Cart)
                                      .where(Cart.user_id == customer.id)).all())
    finally:
        _restore(narrow)
    refused = sum(1 for o in outcomes if isinstance(o, Exception))
    print(f"cart race: {TAPS // 2} adds of the artbook and {TAPS // 2} quantity "
          f"changes at once -> {got}, {refused} refused, crashes {crashes(outcomes)}")
    assert not crashes(outcomes)
    assert got["pocket-cat-keychain"] == 7
