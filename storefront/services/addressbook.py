"""The address book: add, edit, remove, choose a default (R-ACC-5, R-SHP-4).

Orders and checkouts hold copies of an address (Address.snapshot), so nothing here
reaches a placed order."""
from __future__ import annotations

from sqlalchemy.orm import Session

from storefront.models import Address, User
from storefront.services import addresses


def entries(user: User) -> list[Address]:
    """The book, default first, then in the order the addresses were added."""
    return sorted(user.addresses, key=lambda a: (not a.is_default, a.id))


def add(session: Session, user: User, data: dict[str, str], make_default: bool = False
        ) -> Address:
    """Save a checked address in the account region (the first one is the default)."""
    address = addresses.add(session, user, data)
    if make_default:
        _make_default(user, address)
    session.commit()
    return address


def update(session: Session, user: User, address_id: int, data: dict[str, str]) -> Address:
    """Correct a saved address; placed orders keep the copy they were given (R-SHP-4)."""
    address = addresses.get_own(session, user, address_id)
    for field, value in addresses.clean(data, user.region or "").items():
        setattr(address, field, value)
    session.commit()
    return address


def remove(session: Session, user: User, address_id: int) -> None:
    """Forget a saved address; when it was the default, the oldest other one becomes it."""
    address = addresses.get_own(session, user, address_id)
    user.addresses.remove(address)
    session.flush()
    if address.is_default and user.addresses:
        _make_default(user, min(user.addresses, key=lambda a: a.id))
    session.commit()


def set_default(session: Session, user: User, address_id: int) -> None:
    """The address checkout proposes first."""
    _make_default(user, addresses.get_own(session, user, address_id))
    session.commit()


def _make_default(user: User, chosen: Address) -> None:
    for address in user.addresses:
        address.is_default = address is chosen
