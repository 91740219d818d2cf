"""The money invariant (issue 11): per customer, the money the payment provider keeps equals
the money the store's orders say was paid and not refunded. Every test that moves money
ends with `assert_money_adds_up(session)`."""
from __future__ import annotations

from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from storefront.models import Order, PaymentMethod
from storefront.payments import ledger


def kept_by_provider(session: Session) -> dict[int | None, int]:
    """Per customer id (None: a method the store never saved), what the provider keeps."""
    # A method belongs to its customer; after an account deletion (R-ACC-8) the method may
    # have lost its owner while the anonymised orders keep theirs: the orders decide then.
    owners = dict(session.execute(select(PaymentMethod.token, PaymentMethod.user_id)).all())
    owners |= dict(session.execute(select(PaymentMethod.token, Order.user_id)
                                   .join(Order, Order.payment_method_id == PaymentMethod.id)
                                   .where(Order.user_id.is_not(None))).all())
    kept: dict[int | None, int] = {}
    for token, cents in ledger.kept_by_token(session).items():
        owner = owners.get(token)
        kept[owner] = kept.get(owner, 0) + cents
    return {k: v for k, v in kept.items() if v}


def paid_per_store(session: Session) -> dict[int | None, int]:
    """Per customer id, what the store's orders say was paid and not refunded."""
    rows = session.execute(select(Order.user_id,
                                  func.sum(Order.paid_cents - Order.refunded_cents))
                           .group_by(Order.user_id))
    return {user: int(cents) for user, cents in rows if cents}


def assert_money_adds_up(session: Session) -> None:
    """Money kept by the provider = money the store's orders say was paid and not refunded."""
    session.expire_all()
    provider, store = kept_by_provider(session), paid_per_store(session)
    assert provider == store, f"provider keeps {provider}, the store's orders say {store}"


def assert_money_adds_up_in(database_url: str) -> None:
    """The invariant over another process's database (the end-to-end store)."""
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            assert_money_adds_up(session)
    finally:
        engine.dispose()
