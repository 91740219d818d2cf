"""Saved payment methods: kept with the customer's consent, offered first at the payment
step (the default first), never once expired; removable in My Account (issue 15, point 7)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront.models import Checkout, PaymentMethod, User
from storefront.services import clock
from storefront.services.errors import NotFound


def is_expired(method: PaymentMethod, today: date | None = None) -> bool:
    """A card works to the end of its expiry month (at the store's clock)."""
    if not method.exp_year or not method.exp_month:
        return False
    today = today or clock.today()
    return (method.exp_year, method.exp_month) < (today.year, today.month)


def copy_of(method: PaymentMethod, saved: bool) -> PaymentMethod:
    """A copy of the method: the saved one for next time, or an order's own."""
    return PaymentMethod(user_id=method.user_id, kind=method.kind, gateway=method.gateway,
                         token=method.token, brand=method.brand, last4=method.last4,
                         exp_month=method.exp_month, exp_year=method.exp_year,
                         created_at=clock.now(), saved_at=clock.now() if saved else None)


def keep(session: Session, method: PaymentMethod) -> PaymentMethod:
    """Save a copy for next time (the customer consented); the same card saved before is
    replaced, so the list never shows one card twice. The caller commits."""
    for old in listed(session, method.user_id or 0):
        if (old.gateway, old.kind, old.brand, old.last4, old.exp_month, old.exp_year) == (
                method.gateway, method.kind, method.brand, method.last4, method.exp_month,
                method.exp_year):
            old.saved_at = None
    saved = copy_of(method, saved=True)
    session.add(saved)
    return saved


def listed(session: Session, user_id: int) -> list[PaymentMethod]:
    """Every method the customer saved, the default (most recently chosen) first."""
    return list(session.scalars(
        select(PaymentMethod).where(PaymentMethod.user_id == user_id,
                                    PaymentMethod.saved_at.is_not(None))
        .order_by(PaymentMethod.saved_at.desc(), PaymentMethod.id.desc())))


def offered(session: Session, user_id: int, gateway: str | None = None
            ) -> list[PaymentMethod]:
    """The saved methods the payment step offers: unexpired, of this gateway, default first."""
    today = clock.today()
    return [m for m in listed(session, user_id)
            if not is_expired(m, today) and (gateway is None or m.gateway == gateway)]


def _own(session: Session, user: User, method_id: int) -> PaymentMethod:
    found = session.get(PaymentMethod, method_id)
    if found is None or found.user_id != user.id or found.saved_at is None:
        raise NotFound("No such saved payment method.")
    return found


def use_saved(session: Session, checkout: Checkout, user: User, method_id: int,
              gateway: str | None = None) -> PaymentMethod:
    """Pay this checkout with a saved, unexpired method: the order gets its own copy."""
    chosen = next((m for m in offered(session, user.id, gateway) if m.id == method_id), None)
    if chosen is None:
        raise NotFound("That saved card can no longer be used. Please choose another.")
    method = copy_of(chosen, saved=False)
    checkout.payment_method = method
    session.commit()
    return method


def make_default(session: Session, user: User, method_id: int) -> None:
    """The customer's pick becomes the default (offered first)."""
    _own(session, user, method_id).saved_at = clock.now()
    session.commit()


def remove(session: Session, user: User, method_id: int) -> None:
    """Forget a saved method; orders keep their own copies, untouched."""
    _own(session, user, method_id).saved_at = None
    session.commit()
